import type { ApiDeps } from './deps.ts';
import type { EventHub } from './services/event-hub.ts';
import { verifyAccessToken } from './services/tokens.ts';

export type AuthState =
  | { status: 'anonymous' }
  | { status: 'authenticated'; userId: string; expiresAt: number }
  | { status: 'rejected'; reason: 'expired' | 'invalid' };

export interface Context {
  deps: ApiDeps;
  hub: EventHub;
  auth: AuthState;
  /** Client address as the server determined it (for rate limits). */
  ip: string;
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
  hub: EventHub,
  input: ContextInput,
): Promise<Context> {
  if (!input.token) return { deps, hub, auth: { status: 'anonymous' }, ip: input.ip };
  const result = await verifyAccessToken(deps.auth, deps.clock, stripBearer(input.token));
  const auth: AuthState = result.ok
    ? { status: 'authenticated', userId: result.claims.userId, expiresAt: result.expiresAt }
    : { status: 'rejected', reason: result.reason };
  return { deps, hub, auth, ip: input.ip };
}
