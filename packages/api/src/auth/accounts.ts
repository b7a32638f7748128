import { hash, verify } from '@node-rs/argon2';
import type { DbOrTx } from '@parley/db';
import { newId } from '@parley/db';
import { bannedError } from '../admin/ban-list.ts';
import type { ApiDeps } from '../deps.ts';
import { DomainError, tooManyRequests } from '../errors.ts';
import { nowIso } from '../live/write.ts';
import { toMeDto } from '../shared/mappers.ts';
import type { AuthResult } from '../shared/schemas.ts';
import {
  hashSecret,
  newRefreshSecret,
  parseRefreshToken,
  secretMatches,
  signAccessToken,
  successorSecret,
} from './tokens.ts';

// OWASP's argon2id baseline (19 MiB, 2 iterations, 1 lane).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
// Verified when the email is unknown, so timing does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const INVALID_LOGIN = 'Invalid email or password';
const INVALID_REFRESH = 'Invalid refresh token';

/** How long a rotated refresh token may be presented again (once) for the same answer. */
export const REFRESH_GRACE_MS = 30_000;

export async function issueTokens(
  deps: ApiDeps,
  trx: DbOrTx,
  userId: string,
  familyId: string,
  /** Rotation: the spent token, whose secret the new one is derived from (see tokens.ts). */
  previous?: { id: string; secret: string },
): Promise<Omit<AuthResult, 'user'>> {
  const { limits, clock } = deps;
  const now = clock.now();
  const access = await signAccessToken(deps.auth, clock, userId, limits.accessTokenTtlMs, now);
  const id = newId();
  const secret = previous ? successorSecret(deps.auth, id, previous.secret) : newRefreshSecret();
  const refreshTokenExpiresAt = now + limits.refreshTokenTtlMs;
  await trx
    .insertInto('refresh_tokens')
    .values({
      id,
      family_id: familyId,
      user_id: userId,
      token_hash: hashSecret(secret),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(refreshTokenExpiresAt).toISOString(),
      used_at: null,
      revoked_at: null,
      replaced_by: null,
      grace_used_at: null,
    })
    .execute();
  if (previous) {
    await trx
      .updateTable('refresh_tokens')
      .set({ replaced_by: id })
      .where('id', '=', previous.id)
      .execute();
  }
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: `${id}.${secret}`,
    refreshTokenExpiresAt,
  };
}

function refuseBanned(
  row: { banned_at: string | null; banned_until: string | null },
  now: number,
): void {
  if (row.banned_at && (!row.banned_until || Date.parse(row.banned_until) > now)) {
    throw bannedError(row.banned_until);
  }
}

/** The account a login, code or refresh is answered for; a banned one is refused here. */
export async function loadMe(trx: DbOrTx, userId: string, now: number) {
  const row = await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row) throw new DomainError({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  refuseBanned(row, now);
  return toMeDto(row);
}

export async function register(
  deps: ApiDeps,
  input: { email: string; password: string; displayName: string },
  ip: string,
): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  // Before the hash: each attempt costs 19 MiB and two argon2id passes.
  const decision = await deps.rateLimiter.consume(
    { name: 'register:ip', ...deps.limits.registerRatePerIp },
    ip,
  );
  if (!decision.allowed) {
    throw tooManyRequests(
      decision.retryAfterMs,
      'Too many new accounts from this address, try again later',
    );
  }
  const passwordHash = await hash(input.password, ARGON2);
  const now = nowIso(deps);
  const userId = newId();
  return deps.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (existing) {
      throw new DomainError({ code: 'CONFLICT', message: 'This email cannot be registered' });
    }
    await trx
      .insertInto('users')
      .values({
        id: userId,
        email,
        display_name: input.displayName.trim(),
        about: '',
        avatar_file_id: null,
        created_at: now,
        updated_at: now,
        last_seen_at: null,
      })
      .execute();
    await trx
      .insertInto('password_credentials')
      .values({ user_id: userId, password_hash: passwordHash, updated_at: now })
      .execute();
    const tokens = await issueTokens(deps, trx, userId, newId());
    return { user: await loadMe(trx, userId, deps.clock.now()), ...tokens };
  });
}

export async function login(
  deps: ApiDeps,
  input: { email: string; password: string },
  ip: string,
): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  const { rateLimiter, limits } = deps;
  const accountRule = { name: 'login:account', ...limits.loginRatePerAccount };
  const ipRule = { name: 'login:ip', ...limits.loginRatePerIp };
  for (const [rule, key] of [
    [ipRule, ip],
    [accountRule, email],
  ] as const) {
    const decision = await rateLimiter.consume(rule, key);
    if (!decision.allowed) {
      throw tooManyRequests(decision.retryAfterMs, 'Too many login attempts, try again later');
    }
  }
  const row = await deps.db
    .selectFrom('users')
    .innerJoin('password_credentials', 'password_credentials.user_id', 'users.id')
    .select(['users.id', 'password_credentials.password_hash'])
    .where('users.email', '=', email)
    .executeTakeFirst();
  if (!row) {
    dummyHash ??= hash('parley-dummy-password', ARGON2);
    await verify(await dummyHash, input.password);
    throw new DomainError({ code: 'UNAUTHORIZED', message: INVALID_LOGIN });
  }
  if (!(await verify(row.password_hash, input.password))) {
    throw new DomainError({ code: 'UNAUTHORIZED', message: INVALID_LOGIN });
  }
  await rateLimiter.reset(accountRule, email);
  return deps.db.transaction().execute(async (trx) => {
    const tokens = await issueTokens(deps, trx, row.id, newId());
    return { user: await loadMe(trx, row.id, deps.clock.now()), ...tokens };
  });
}

/**
 * Rotation: each refresh token works once. Presenting a spent (or revoked) token means it was
 * copied, so the whole family is revoked and every holder must log in again.
 *
 * One exception, for an answer lost on the way back: within REFRESH_GRACE_MS of its rotation,
 * a spent token may be presented once more while its successor is still unused, and gets the
 * very same answer (the successor's secret is re-derived from the presented one, never stored).
 * A second repeat, a repeat after the grace, or a repeat after the successor was used is reuse.
 */
export async function refresh(deps: ApiDeps, refreshToken: string): Promise<AuthResult> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) throw new DomainError({ code: 'UNAUTHORIZED', message: INVALID_REFRESH });
  const reuse = 'Refresh token reuse detected; all sessions of this login were ended';
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('id', '=', parsed.id)
      .executeTakeFirst();
    if (!row || !secretMatches(parsed.secret, row.token_hash)) return { error: INVALID_REFRESH };
    // A ban revoked the tokens: say so, rather than "reuse detected".
    const user = await trx
      .selectFrom('users')
      .select(['banned_at', 'banned_until'])
      .where('id', '=', row.user_id)
      .executeTakeFirst();
    if (user) refuseBanned(user, deps.clock.now());
    const now = nowIso(deps);
    if (row.used_at && !row.revoked_at) {
      const repeated = await repeatRotation(deps, trx, row, parsed.secret);
      if (repeated) return { result: repeated };
    }
    if (row.used_at || row.revoked_at) {
      await revokeFamily(trx, row.family_id, now);
      return { error: reuse };
    }
    if (row.expires_at <= now) return { error: 'Refresh token expired' };
    // Compare-and-set so two concurrent refreshes with one token cannot both succeed.
    const marked = await trx
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) {
      await revokeFamily(trx, row.family_id, now);
      return { error: reuse };
    }
    const tokens = await issueTokens(deps, trx, row.user_id, row.family_id, parsed);
    return { result: { user: await loadMe(trx, row.user_id, deps.clock.now()), ...tokens } };
  });
  if (!outcome.result) {
    throw new DomainError({ code: 'UNAUTHORIZED', message: outcome.error ?? INVALID_REFRESH });
  }
  return outcome.result;
}

/** The grace repeat of a rotation (see refresh), or null when it does not apply. */
async function repeatRotation(
  deps: ApiDeps,
  trx: DbOrTx,
  row: {
    id: string;
    user_id: string;
    used_at: string | null;
    replaced_by: string | null;
    grace_used_at: string | null;
  },
  secret: string,
): Promise<AuthResult | null> {
  const now = deps.clock.now();
  if (!row.replaced_by || row.grace_used_at || !row.used_at) return null;
  if (now - Date.parse(row.used_at) > REFRESH_GRACE_MS) return null;
  const next = await trx
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('id', '=', row.replaced_by)
    .executeTakeFirst();
  if (!next || next.used_at || next.revoked_at) return null;
  const nextSecret = successorSecret(deps.auth, next.id, secret);
  if (!secretMatches(nextSecret, next.token_hash)) return null;
  // Once: compare-and-set, so two repeats cannot both get the answer.
  const marked = await trx
    .updateTable('refresh_tokens')
    .set({ grace_used_at: new Date(now).toISOString() })
    .where('id', '=', row.id)
    .where('grace_used_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) return null;
  const issuedAt = Date.parse(next.created_at);
  const access = await signAccessToken(
    deps.auth,
    deps.clock,
    row.user_id,
    deps.limits.accessTokenTtlMs,
    issuedAt,
  );
  return {
    user: await loadMe(trx, row.user_id, deps.clock.now()),
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: `${next.id}.${nextSecret}`,
    refreshTokenExpiresAt: Date.parse(next.expires_at),
  };
}

async function revokeFamily(trx: DbOrTx, familyId: string, now: string): Promise<void> {
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: now })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Ends the login the token belongs to. Unknown tokens are ignored: logout always succeeds. */
export async function logout(deps: ApiDeps, refreshToken: string): Promise<void> {
  const parsed = parseRefreshToken(refreshToken);
  if (!parsed) return;
  const row = await deps.db
    .selectFrom('refresh_tokens')
    .select(['family_id', 'token_hash'])
    .where('id', '=', parsed.id)
    .executeTakeFirst();
  if (row && secretMatches(parsed.secret, row.token_hash)) {
    await revokeFamily(deps.db, row.family_id, nowIso(deps));
  }
}
