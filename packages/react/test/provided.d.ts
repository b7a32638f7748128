// What test/global-setup.ts provides to the tests (`inject('parleyUrl')`).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    parleyUrl: string;
  }
}
