import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { AuthConfig, Clock } from '../deps.ts';

const ALG = 'HS256';

export interface AccessClaims {
  userId: string;
}

export type VerifyResult =
  | { ok: true; claims: AccessClaims; expiresAt: number }
  | { ok: false; reason: 'expired' | 'invalid' };

export async function signAccessToken(
  auth: AuthConfig,
  clock: Clock,
  userId: string,
  ttlMs: number,
  /** Re-signing a token already issued (same claims, same bytes): its issue time. */
  issuedAtMs = clock.now(),
): Promise<{ token: string; expiresAt: number }> {
  const issuedAt = Math.floor(issuedAtMs / 1000);
  const expiresAt = issuedAt + Math.floor(ttlMs / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(auth.issuer)
    .setAudience(auth.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(auth.jwtSecret);
  return { token, expiresAt: expiresAt * 1000 };
}

/** Pinned algorithm, issuer and audience; `exp` checked against the injected clock. */
export async function verifyAccessToken(
  auth: AuthConfig,
  clock: Clock,
  token: string,
): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, auth.jwtSecret, {
      algorithms: [ALG],
      issuer: auth.issuer,
      audience: auth.audience,
      currentDate: new Date(clock.now()),
      requiredClaims: ['sub', 'exp'],
    });
    return {
      ok: true,
      claims: { userId: payload.sub as string },
      expiresAt: (payload.exp as number) * 1000,
    };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

/** Refresh tokens are `<rowId>.<secret>`; only a hash of the secret is stored. */
export function newRefreshSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The secret of the token that replaces a rotated one: derived from the rotated token's secret
 * (which the server never stores) and the successor's id under a server key. The server can
 * recompute it only when the client presents the rotated token again, so a lost refresh answer
 * can be repeated without any plaintext secret at rest; the server key means the rotated token
 * alone does not reveal its successor either.
 */
export function successorSecret(auth: AuthConfig, successorId: string, previousSecret: string) {
  const key = createHmac('sha256', auth.jwtSecret).update('parley refresh successor v1').digest();
  return createHmac('sha256', key).update(`${successorId}.${previousSecret}`).digest('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseRefreshToken(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1) return null;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}
