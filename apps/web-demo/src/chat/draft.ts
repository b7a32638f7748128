import type { Message } from '@parley/sdk';

/** Composer modes: a new message, a reply to one, or an edit of one of mine. */
export type Draft =
  | { kind: 'new' }
  | { kind: 'reply'; to: Message }
  | { kind: 'edit'; message: Message };
