import { ECDH } from 'node:crypto';
import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { DomainError } from '../errors.ts';
import { nowIso } from '../live/write.ts';

/** Older subscriptions of a user beyond this many are dropped (old browsers, reinstalls). */
const MAX_PUSH_SUBSCRIPTIONS_PER_USER = 20;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The push services of the browsers (Chrome and Edge on Android, Firefox, Safari, Windows):
 * the default of PUSH_ENDPOINT_HOSTS, and what the REST document lists.
 */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  'web.push.apple.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** `*.example.com` matches subdomains of example.com; anything else must match exactly. */
export function hostAllowed(host: string, patterns: string[]): boolean {
  return patterns.some((p) =>
    p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p,
  );
}

/**
 * The server will POST to this URL, so it must be a known push service (no requests to
 * internal addresses on a user's behalf): https, and a host from `pushHosts`. Plain http only
 * for an allowed loopback host (a local push service in development and tests).
 */
function checkEndpoint(deps: ApiDeps, endpoint: string): void {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : null;
  const secure =
    url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.has(url.hostname));
  if (
    !url ||
    !secure ||
    url.username ||
    url.password ||
    !hostAllowed(url.hostname, deps.notifications.pushHosts)
  ) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'endpoint is not a known push service' });
  }
}

/**
 * A key web-push cannot encrypt to would fail every delivery: refuse it up front. The schema
 * checks its shape (base64url of 65 bytes starting 0x04); whether the point lies on the curve
 * is this rule, stated in the document's description.
 */
function checkP256Point(p256dh: string): void {
  try {
    ECDH.convertKey(Buffer.from(p256dh, 'base64url'), 'prime256v1');
  } catch {
    throw new DomainError({
      code: 'BAD_REQUEST',
      message: 'keys.p256dh is not a point on the P-256 curve',
    });
  }
}

function requirePush(deps: ApiDeps) {
  if (!deps.notifications.push) {
    throw new DomainError({
      code: 'PRECONDITION_FAILED',
      message: 'Web Push is not configured on this server',
    });
  }
}

export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * Stores the browser's subscription for the caller. An endpoint identifies one browser
 * profile, so registering it again (possibly as another user after a re-login) replaces it.
 */
export async function registerPush(
  deps: ApiDeps,
  userId: string,
  input: PushSubscriptionInput,
): Promise<{ ok: true }> {
  requirePush(deps);
  checkEndpoint(deps, input.endpoint);
  checkP256Point(input.keys.p256dh);
  const now = nowIso(deps);
  const fields = {
    user_id: userId,
    p256dh: input.keys.p256dh,
    auth: input.keys.auth,
    created_at: now,
  };
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('push_subscriptions')
      .values({ id: newId(), endpoint: input.endpoint, ...fields })
      .onConflict((oc) => oc.column('endpoint').doUpdateSet(fields))
      .execute();
    const keep = await trx
      .selectFrom('push_subscriptions')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(MAX_PUSH_SUBSCRIPTIONS_PER_USER)
      .execute();
    await trx
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where(
        'id',
        'not in',
        keep.map((k) => k.id),
      )
      .execute();
  });
  return { ok: true };
}

/** Removes the caller's subscription; unknown endpoints (or someone else's) are ignored. */
export async function unregisterPush(
  deps: ApiDeps,
  userId: string,
  endpoint: string,
): Promise<{ ok: true }> {
  await deps.db
    .deleteFrom('push_subscriptions')
    .where('endpoint', '=', endpoint)
    .where('user_id', '=', userId)
    .execute();
  return { ok: true };
}
