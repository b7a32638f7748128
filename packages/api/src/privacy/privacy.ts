import type { DbOrTx } from '@parley/db';
import { hiddenFrom } from '../blocks/blocks.ts';
import type { ApiDeps } from '../deps.ts';
import { writeWithEvents } from '../live/write.ts';
import { presenceAudienceOf } from '../shared/recipients.ts';
import type { MeDto, PrivacyDto } from '../shared/schemas.ts';
import { getMe } from '../users/users.ts';

/**
 * Changes the caller's privacy settings. Their other devices hear `privacy.updated`. Hiding
 * last seen tells the people who could see it that the user is offline with no last seen;
 * showing it again tells them the current state.
 */
export async function updatePrivacy(
  deps: ApiDeps,
  userId: string,
  patch: Partial<PrivacyDto>,
): Promise<MeDto> {
  const before = (await getMe(deps, userId)).privacy;
  const next: PrivacyDto = { ...before, ...patch };
  if (next.lastSeen === before.lastSeen && next.readReceipts === before.readReceipts) {
    return getMe(deps, userId);
  }
  await writeWithEvents(deps, async (trx, emit) => {
    await trx
      .updateTable('users')
      .set({ last_seen_visibility: next.lastSeen, read_receipts: next.readReceipts ? 1 : 0 })
      .where('id', '=', userId)
      .execute();
    emit({ event: { type: 'privacy.updated', privacy: next }, onlyUserId: userId });
  });
  if (next.lastSeen !== before.lastSeen) await announceVisibility(deps, userId, next.lastSeen);
  return getMe(deps, userId);
}

async function announceVisibility(deps: ApiDeps, userId: string, lastSeen: PrivacyDto['lastSeen']) {
  const recipients = await presenceAudienceOf(deps.db, userId, deps.limits.presenceGroupMaxMembers);
  if (recipients.length === 0) return;
  let online = false;
  let lastSeenAt: string | null = null;
  if (lastSeen === 'everyone') {
    online = (await deps.presence.onlineUsers([userId])).has(userId);
    const row = await deps.db
      .selectFrom('users')
      .select('last_seen_at')
      .where('id', '=', userId)
      .executeTakeFirst();
    lastSeenAt = online ? null : (row?.last_seen_at ?? null);
  }
  await deps.bus.publish({
    kind: 'ephemeral',
    event: { type: 'presence', userId, online, lastSeenAt },
    recipients,
  });
}

/** Whether `userId` sends read receipts. */
export async function sendsReadReceipts(db: DbOrTx, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('read_receipts')
    .where('id', '=', userId)
    .executeTakeFirst();
  return Number(row?.read_receipts ?? 1) === 1;
}

/**
 * Of `userIds`, those whose read watermark `viewerId` may not see: everyone when the viewer
 * turned read receipts off, else those who turned theirs off and those blocked either way.
 * Their `lastReadSeq` is shown as 0 (delivered only).
 */
export async function readHiddenFor(
  db: DbOrTx,
  viewerId: string,
  userIds: string[],
): Promise<Set<string>> {
  const others = [...new Set(userIds)].filter((id) => id !== viewerId);
  if (others.length === 0) return new Set();
  if (!(await sendsReadReceipts(db, viewerId))) return new Set(others);
  const [off, blocked] = await Promise.all([
    db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', others)
      .where('read_receipts', '=', 0)
      .execute(),
    hiddenFrom(db, viewerId, others),
  ]);
  for (const r of off) blocked.add(r.id);
  return blocked;
}

/** `rows` with the read watermark of hidden users shown as 0. */
export function maskReads<T extends { last_read_seq: number }>(
  rows: T[],
  userOf: (row: T) => string,
  hidden: Set<string>,
): T[] {
  if (hidden.size === 0) return rows;
  return rows.map((r) => (hidden.has(userOf(r)) ? { ...r, last_read_seq: 0 } : r));
}
