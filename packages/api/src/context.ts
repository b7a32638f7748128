import type { BanList } from './admin/ban-list.ts';
import { verifyAccessToken } from './auth/tokens.ts';
import type { ReceiptBatcher } from './conversations/receipt-batch.ts';
import type { ApiDeps } from './deps.ts';
import { isApiKey, verifyApiKey } from './integrations/api-keys.ts';
import type { EventHub, StreamItem } from './live/hub.ts';
import type { StopSignal } from './live/stream.ts';
import type { SendBatcher } from './messages/send-batch.ts';
import type { PresenceTracker } from './presence/presence.ts';
import type { TypingTracker } from './presence/typing.ts';

export type AuthState =
  | { status: 'anonymous' }
  | { status: 'authenticated'; userId: string; expiresAt: number }
  | { status: 'rejected'; reason: 'expired' | 'invalid' };

/** Per-instance live machinery, created once by the server next to the ports. */
export interface LiveServices {
  hub: EventHub;
  presence: PresenceTracker;
  typing: TypingTracker;
  /** Group commit for `messages.send`. */
  sends: SendBatcher;
  /** Group commit for `markDelivered` / `markRead`. */
  receipts: ReceiptBatcher;
  /** Banned users, refused on every call (see admin/ban-list.ts). */
  bans: BanList;
}

export interface Context {
  deps: ApiDeps;
  live: LiveServices;
  auth: AuthState;
  /** Client address as the server determined it (for rate limits). */
  ip: string;
  /** Live subscriptions on this connection (a WebSocket context lives as long as its socket). */
  subscriptions: { active: number };
  /**
   * Set by a transport that writes `events.subscribe` items to its client itself (the
   * WebSocket server): the procedure pushes each item here instead of yielding it.
   */
  directStream?: DirectStream;
}

/**
 * Where `events.subscribe` pushes items when the transport writes them itself. The procedure
 * starts the stream and returns at once (nothing of the call is kept while it runs); the
 * stream's end is reported through `end`.
 */
export interface DirectStream {
  /** Sends one item to the subscriber now; throwing ends the stream with that error. */
  write(item: StreamItem): void;
  /** Ends the stream when its subscriber stops (instead of the procedure's AbortSignal). */
  readonly signal?: StopSignal;
  /** The procedure started the stream: it runs until `end` (the transport waits for that). */
  begin(): void;
  /** The stream ended (the subscriber stopped, or `error`: why it was cut); called once. */
  end(error?: unknown): void;
}

export interface ContextInput {
  /** A bearer token: the `Authorization` header value or the WS `connectionParams.token`. */
  token?: string | null;
  ip: string;
}

function stripBearer(value: string): string {
  return value.startsWith('Bearer ') ? value.slice(7).trim() : value.trim();
}

/** Built once per HTTP request or WebSocket connection. */
export async function createContext(
  deps: ApiDeps,
  live: LiveServices,
  input: ContextInput,
): Promise<Context> {
  if (!input.token)
    return {
      deps,
      live,
      auth: { status: 'anonymous' },
      ip: input.ip,
      subscriptions: { active: 0 },
    };
  const token = stripBearer(input.token);
  if (isApiKey(token)) {
    const key = await verifyApiKey(deps, token);
    const auth: AuthState = key
      ? { status: 'authenticated', ...key }
      : { status: 'rejected', reason: 'invalid' };
    return { deps, live, auth, ip: input.ip, subscriptions: { active: 0 } };
  }
  const result = await verifyAccessToken(deps.auth, deps.clock, token);
  const auth: AuthState = result.ok
    ? { status: 'authenticated', userId: result.claims.userId, expiresAt: result.expiresAt }
    : { status: 'rejected', reason: result.reason };
  return { deps, live, auth, ip: input.ip, subscriptions: { active: 0 } };
}
