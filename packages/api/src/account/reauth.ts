import { verify } from '@node-rs/argon2';
import { jwtVerify, SignJWT } from 'jose';
import { consumeEmailCode } from '../auth/otp.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError, tooManyRequests } from '../errors.ts';
import { nowIso } from '../live/write.ts';

/** A proof of re-authentication is good for this long. */
const PROOF_TTL_S = 5 * 60;
const ALG = 'HS256';

export interface Reauthentication {
  password?: string;
  /** A fresh code from POST /auth/otp sent to the account's email. */
  code?: string;
}

/** Its own audience, so the proof never passes as an access token (nor the reverse). */
function proofAudience(deps: ApiDeps): string {
  return `${deps.auth.audience}:reauth`;
}

/**
 * Checks the password (or spends an email code) of the caller and answers a short-lived proof
 * for the destructive step that follows (DELETE /users/me). A proof, rather than the password
 * itself, travels in that request: DELETE inputs are query parameters, and a URL may be logged.
 */
export async function reauthenticate(
  deps: ApiDeps,
  userId: string,
  proof: Reauthentication,
): Promise<{ reauthToken: string; expiresAt: number }> {
  const decision = await deps.rateLimiter.consume(
    { name: 'reauth:account', ...deps.limits.loginRatePerAccount },
    userId,
  );
  if (!decision.allowed) {
    throw tooManyRequests(decision.retryAfterMs, 'Too many attempts, try again later');
  }
  const user = await deps.db
    .selectFrom('users')
    .leftJoin('password_credentials as p', 'p.user_id', 'users.id')
    .select(['users.email', 'p.password_hash'])
    .where('users.id', '=', userId)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!user) throw new DomainError({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  if (proof.password !== undefined) {
    if (!user.password_hash || !(await verify(user.password_hash, proof.password))) {
      throw new DomainError({ code: 'UNAUTHORIZED', message: 'Wrong password' });
    }
  } else if (proof.code !== undefined) {
    // The guess counts even when wrong: its own transaction, committed either way.
    const code = proof.code;
    const ok = await deps.db
      .transaction()
      .execute((trx) => consumeEmailCode(deps, trx, user.email, code, nowIso(deps)));
    if (!ok) throw new DomainError({ code: 'UNAUTHORIZED', message: 'Invalid or expired code' });
  } else {
    throw new DomainError({ code: 'UNAUTHORIZED', message: 'Give your password or an email code' });
  }
  const issuedAt = Math.floor(deps.clock.now() / 1000);
  const reauthToken = await new SignJWT({})
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(deps.auth.issuer)
    .setAudience(proofAudience(deps))
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + PROOF_TTL_S)
    .sign(deps.auth.jwtSecret);
  return { reauthToken, expiresAt: (issuedAt + PROOF_TTL_S) * 1000 };
}

/** UNAUTHORIZED unless `token` is a live proof of re-authentication of `userId`. */
export async function requireReauthentication(deps: ApiDeps, userId: string, token: string) {
  try {
    const { payload } = await jwtVerify(token, deps.auth.jwtSecret, {
      algorithms: [ALG],
      issuer: deps.auth.issuer,
      audience: proofAudience(deps),
      currentDate: new Date(deps.clock.now()),
      requiredClaims: ['sub', 'exp'],
    });
    if (payload.sub === userId) return;
  } catch {
    // Falls through to the one answer below.
  }
  throw new DomainError({
    code: 'UNAUTHORIZED',
    message: 'Re-authenticate first (POST /users/me/reauthenticate)',
  });
}
