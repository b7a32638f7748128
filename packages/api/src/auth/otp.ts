import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { DbOrTx } from '@parley/db';
import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError, tooManyRequests } from '../errors.ts';
import { nowIso } from '../live/write.ts';
import type { AuthResult } from '../shared/schemas.ts';
import { issueTokens, loadMe, normalizeEmail } from './accounts.ts';

// One answer for every failure (no code, wrong, expired, used, too many guesses): a caller
// learns nothing but "this did not work".
const INVALID_CODE = 'Invalid or expired code';

/** Keyed with the server secret: a leaked table cannot be brute-forced over 10^6 codes. */
function codeHash(deps: ApiDeps, id: string, code: string): string {
  return createHmac('sha256', deps.auth.jwtSecret).update(`otp:${id}:${code}`).digest('base64url');
}

function codeMatches(deps: ApiDeps, id: string, code: string, stored: string): boolean {
  const a = Buffer.from(codeHash(deps, id, code));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Sends a 6-digit code to the address. The answer is the same whether or not the address has
 * an account (no account lookup happens at all). A new code replaces any earlier one.
 */
export async function requestOtp(deps: ApiDeps, input: { email: string }, ip: string) {
  const { limits, rateLimiter, mailer } = deps;
  if (!mailer) {
    throw new DomainError({
      code: 'PRECONDITION_FAILED',
      message: 'Sign-in by email code is not available on this server',
    });
  }
  const email = normalizeEmail(input.email);
  for (const [rule, key] of [
    [{ name: 'otp:ip', ...limits.otpRatePerIp }, ip],
    [{ name: 'otp:email', ...limits.otpRatePerEmail }, email],
  ] as const) {
    const decision = await rateLimiter.consume(rule, key);
    if (!decision.allowed) {
      throw tooManyRequests(decision.retryAfterMs, 'Too many code requests, try again later');
    }
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const id = newId();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    // Earlier codes for this address stop working; expired codes of anyone are swept.
    await trx
      .deleteFrom('email_codes')
      .where((eb) => eb.or([eb('email', '=', email), eb('expires_at', '<', nowIso(deps))]))
      .execute();
    await trx
      .insertInto('email_codes')
      .values({
        id,
        email,
        code_hash: codeHash(deps, id, code),
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + limits.otpTtlMs).toISOString(),
        attempts: 0,
        used_at: null,
      })
      .execute();
  });
  const minutes = Math.round(limits.otpTtlMs / 60_000);
  try {
    await mailer.send({
      to: email,
      subject: 'Your Parley sign-in code',
      text:
        `Your Parley sign-in code is ${code}.\n\n` +
        `It expires in ${minutes} minutes and works once. ` +
        'If you did not ask for it, you can ignore this email.\n',
    });
  } catch (error) {
    // Neither the code nor the address goes into the log.
    deps.logger.error(
      { err: error instanceof Error ? error.message : String(error) },
      'otp mail failed',
    );
    throw new DomainError({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'The code could not be sent, try again later',
    });
  }
  return { ok: true as const };
}

export interface VerifyOtpInput {
  email: string;
  code: string;
  /** Used only when the address has no account yet. */
  displayName?: string | null;
}

/**
 * Signs in with the newest code sent to the address: 10 minutes, 5 guesses, once. An address
 * without an account gets one (passwordless sign-up). Answers like `auth.login`.
 */
export async function verifyOtp(
  deps: ApiDeps,
  input: VerifyOtpInput,
  ip: string,
): Promise<AuthResult> {
  const email = normalizeEmail(input.email);
  const decision = await deps.rateLimiter.consume(
    { name: 'otp-verify:ip', ...deps.limits.loginRatePerIp },
    ip,
  );
  if (!decision.allowed) {
    throw tooManyRequests(decision.retryAfterMs, 'Too many attempts, try again later');
  }
  // A wrong guess must count even though the call fails, so the transaction returns the
  // failure instead of throwing (which would roll the count back).
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = nowIso(deps);
    if (!(await consumeEmailCode(deps, trx, email, input.code, now))) return null;
    const userId = await findOrCreateUser(trx, email, input.displayName, now);
    const tokens = await issueTokens(deps, trx, userId, newId());
    return { user: await loadMe(trx, userId, deps.clock.now()), ...tokens };
  });
  if (!outcome) throw new DomainError({ code: 'UNAUTHORIZED', message: INVALID_CODE });
  return outcome;
}

/**
 * Spends the newest code sent to `email` if `code` matches it (10 minutes, 5 guesses, once).
 * Every guess counts, right or wrong: callers commit the transaction even when it is false.
 */
export async function consumeEmailCode(
  deps: ApiDeps,
  trx: DbOrTx,
  email: string,
  code: string,
  now: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('email_codes')
    .selectAll()
    .where('email', '=', email)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at <= now) return false;
  const counted = await trx
    .updateTable('email_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', row.id)
    .where('attempts', '<', deps.limits.otpMaxAttempts)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(counted.numUpdatedRows) !== 1) return false;
  if (!codeMatches(deps, row.id, code, row.code_hash)) return false;
  // Compare-and-set: of two concurrent right guesses only one succeeds.
  const used = await trx
    .updateTable('email_codes')
    .set({ used_at: now })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

/** "ada.lovelace@example.com" -> "ada.lovelace", when no display name was given. */
export function displayNameFromEmail(email: string): string {
  const local = email.split('@')[0]?.trim().slice(0, 64) ?? '';
  return local.length > 0 ? local : 'Parley user';
}

async function findOrCreateUser(
  trx: DbOrTx,
  email: string,
  displayName: string | null | undefined,
  now: string,
): Promise<string> {
  // Insert-or-keep, so a concurrent registration of the same address cannot fail this call.
  await trx
    .insertInto('users')
    .values({
      id: newId(),
      email,
      display_name: displayName?.trim() || displayNameFromEmail(email),
      about: '',
      avatar_file_id: null,
      created_at: now,
      updated_at: now,
      last_seen_at: null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .execute();
  const user = await trx
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return user.id;
}
