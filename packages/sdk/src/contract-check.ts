// Compile-time guard, never bundled: src/contract.gen.ts must describe the server routers
// exactly. When this file fails to type-check, run `pnpm --filter @parley/sdk generate`.
import type { AppRouter, EphemeralEvent as LiveEphemeral, StreamEvent } from '@parley/api';
import type { DurableEvent, EphemeralEvent, Procedures } from './contract.gen.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Record = AppRouter['_def']['record'];

/** `'ns.name'` for every query and mutation of the live router. */
type LivePaths = {
  [N in keyof Record & string]: {
    [M in keyof Record[N] & string]: Record[N][M] extends { _def: { type: 'query' | 'mutation' } }
      ? `${N}.${M}`
      : never;
  }[keyof Record[N] & string];
}[keyof Record & string];

/** The procedure's own input/output types (what tRPC's `.input()` / `.output()` declared). */
type Live<P, K extends 'input' | 'output'> = P extends `${infer N}.${infer M}`
  ? N extends keyof Record
    ? M extends keyof Record[N]
      ? Record[N][M] extends { _def: { $types: { [_ in K]: infer T } } }
        ? T
        : never
      : never
    : never
  : never;

type Stale =
  | Exclude<keyof Procedures, LivePaths>
  | {
      [P in LivePaths]: P extends keyof Procedures
        ? Same<Procedures[P]['input'], Live<P, 'input'>> extends true
          ? Same<Procedures[P]['output'], Live<P, 'output'>> extends true
            ? never
            : P
          : P
        : P;
    }[LivePaths]
  | (Same<DurableEvent, StreamEvent> extends true ? never : 'DurableEvent')
  | (Same<EphemeralEvent, LiveEphemeral> extends true ? never : 'EphemeralEvent');

export const contractIsCurrent: [Stale] extends [never]
  ? true
  : `stale: ${Stale & string}; run pnpm --filter @parley/sdk generate` = true;
