import type { Db } from '@parley/db';
import { DomainError } from '../errors.ts';

/**
 * Which users are banned, held in memory by each instance so that every authenticated call
 * can refuse a banned user without a database read. Loaded at start; kept current by the ban
 * service on this instance and, for the others, by the `account.banned` / `account.unbanned`
 * events their log tailer reads (see live/hub.ts `observe`).
 */
export interface BanList {
  load(db: Db): Promise<void>;
  /** `until` null: until unbanned. */
  ban(userId: string, until: string | null): void;
  unban(userId: string): void;
  isBanned(userId: string, now: number): boolean;
}

export function createBanList(): BanList {
  const bans = new Map<string, number>();
  return {
    async load(db) {
      const rows = await db
        .selectFrom('users')
        .select(['id', 'banned_until'])
        .where('banned_at', 'is not', null)
        .execute();
      bans.clear();
      for (const row of rows) this.ban(row.id, row.banned_until);
    },
    ban(userId, until) {
      bans.set(userId, until === null ? Number.POSITIVE_INFINITY : Date.parse(until));
    },
    unban(userId) {
      bans.delete(userId);
    },
    isBanned(userId, now) {
      const until = bans.get(userId);
      return until !== undefined && until > now;
    },
  };
}

/** The answer to a banned user's calls, logins, refreshes and live streams. */
export function bannedError(until: string | null): DomainError {
  return new DomainError({
    code: 'FORBIDDEN',
    reason: 'ACCOUNT_BANNED',
    message: until ? `This account is banned until ${until}` : 'This account is banned',
  });
}
