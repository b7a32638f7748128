/** Refresh this long before the access token expires, at most (a fifth of short lifetimes). */
const REFRESH_MARGIN_MS = 60_000;

function decodeClaims(token: string): { iat?: unknown; exp?: unknown } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
  } catch {
    return null;
  }
}

/**
 * When (on this device's clock) to refresh an access token received at `receivedAt`. The
 * lifetime comes from the token's own `iat`/`exp`, so a device clock that is off does not
 * matter; `expiresAt` (server clock) is the fallback for tokens that are not JWTs.
 */
export function refreshDeadline(token: string, expiresAt: number, receivedAt: number): number {
  const claims = decodeClaims(token);
  const lifetimeMs =
    typeof claims?.iat === 'number' && typeof claims.exp === 'number'
      ? (claims.exp - claims.iat) * 1000
      : expiresAt - receivedAt;
  const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 5);
  // JWT times are whole seconds: a token may expire up to a second sooner than its lifetime.
  return receivedAt + Math.max(0, lifetimeMs - margin - 1000);
}
