import { newId } from '@parley/db';
import { hiddenFrom } from '../blocks/blocks.ts';
import type { ApiDeps } from '../deps.ts';
import { nowIso } from '../live/write.ts';
import { contactsOf, presenceAudienceOf } from '../shared/recipients.ts';

const CONNECTION_TTL_MS = 60_000;
const HEARTBEAT_MS = 20_000;

export interface PresenceDto {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export interface PresenceTracker {
  /** A device's live stream started. Returns what to tell when it ends. */
  connect(userId: string): PresenceConnection;
  close(): Promise<void>;
}

/** One device's place in presence, while its stream runs. */
export interface PresenceConnection {
  /** The stream ended: the device is gone (if it was the last, offline after the grace). */
  disconnect(): Promise<void>;
}

/**
 * Online while any device of the user has a live event stream (on any instance). When the
 * last one goes, the user is shown offline only after `presenceGraceMs`, so a reconnect (a
 * page reload, a network switch) does not flap. `lastSeenAt` is stored when they go offline.
 */
export function createPresenceTracker(deps: ApiDeps): PresenceTracker {
  const { presence: store, limits, logger } = deps;
  const local = new Map<string, string>(); // connectionId -> userId
  const pendingOffline = new Map<string, NodeJS.Timeout>();
  const heartbeat = setInterval(() => {
    const entries = [...local].map(([connectionId, userId]) => ({ connectionId, userId }));
    store
      .refreshConnections(entries, CONNECTION_TTL_MS)
      .catch((err) => logger.error({ err }, 'presence heartbeat failed'));
  }, HEARTBEAT_MS);
  heartbeat.unref();

  async function announce(userId: string, online: boolean, lastSeenAt: string | null) {
    // A user who shows their last seen to nobody is never announced (privacy settings).
    if (await hidesLastSeen(deps, userId)) return;
    const recipients = await presenceAudienceOf(deps.db, userId, limits.presenceGroupMaxMembers);
    if (recipients.length === 0) return;
    await deps.bus.publish({
      kind: 'ephemeral',
      event: { type: 'presence', userId, online, lastSeenAt },
      recipients,
    });
  }

  async function removed(userId: string, connectionId: string): Promise<void> {
    local.delete(connectionId);
    const since = nowIso(deps);
    try {
      if ((await store.removeConnection(userId, connectionId)) === 0) {
        goOfflineLater(userId, since);
      }
    } catch (err) {
      logger.error({ err }, 'presence disconnect failed');
    }
  }

  function goOfflineLater(userId: string, since: string) {
    clearTimeout(pendingOffline.get(userId));
    const timer = setTimeout(() => {
      pendingOffline.delete(userId);
      void (async () => {
        if ((await store.onlineUsers([userId])).has(userId)) return;
        await deps.db
          .updateTable('users')
          .set({ last_seen_at: since })
          .where('id', '=', userId)
          .execute();
        await announce(userId, false, since);
      })().catch((err) => logger.error({ err }, 'presence offline failed'));
    }, limits.presenceGraceMs);
    timer.unref();
    pendingOffline.set(userId, timer);
  }

  return {
    connect(userId) {
      const connectionId = newId();
      local.set(connectionId, userId);
      const wasPending = pendingOffline.has(userId);
      clearTimeout(pendingOffline.get(userId));
      pendingOffline.delete(userId);
      const connection = new LocalConnection(userId, connectionId, removed);
      connection.added = store
        .addConnection(userId, connectionId, CONNECTION_TTL_MS)
        .then(async (count) => {
          if (count === 1 && !wasPending) await announce(userId, true, null);
        })
        .catch((err) => logger.error({ err }, 'presence connect failed'))
        .finally(() => {
          connection.added = null;
        });
      return connection;
    },
    async close() {
      clearInterval(heartbeat);
      for (const timer of pendingOffline.values()) clearTimeout(timer);
      pendingOffline.clear();
    },
  };
}

/**
 * A connection as the tracker keeps it while its device is online: its ids and, until the
 * store has it, the registration (no closure or settled promise kept per device).
 */
class LocalConnection implements PresenceConnection {
  added: Promise<void> | null = null;

  constructor(
    private readonly userId: string,
    private readonly connectionId: string,
    private readonly removed: (userId: string, connectionId: string) => Promise<void>,
  ) {}

  async disconnect(): Promise<void> {
    if (this.added) await this.added;
    await this.removed(this.userId, this.connectionId);
  }
}

async function hidesLastSeen(deps: ApiDeps, userId: string): Promise<boolean> {
  const row = await deps.db
    .selectFrom('users')
    .select('last_seen_visibility')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.last_seen_visibility === 'nobody';
}

/**
 * Presence of the requested users who share a conversation with the caller; others omitted,
 * and so are users blocked either way. Someone who shows their last seen to nobody appears
 * offline with no last seen (to everyone but themselves).
 */
export async function getPresence(
  deps: ApiDeps,
  callerId: string,
  userIds: string[],
): Promise<PresenceDto[]> {
  const contacts = new Set(await contactsOf(deps.db, callerId));
  const wanted = [...new Set(userIds)].filter((id) => contacts.has(id) || id === callerId);
  const hidden = await hiddenFrom(deps.db, callerId, wanted);
  const visible = wanted.filter((id) => !hidden.has(id));
  if (visible.length === 0) return [];
  const [online, rows] = await Promise.all([
    deps.presence.onlineUsers(visible),
    deps.db
      .selectFrom('users')
      .select(['id', 'last_seen_at', 'last_seen_visibility'])
      .where('id', 'in', visible)
      .execute(),
  ]);
  return rows.map((r) => {
    if (r.last_seen_visibility === 'nobody' && r.id !== callerId) {
      return { userId: r.id, online: false, lastSeenAt: null };
    }
    return {
      userId: r.id,
      online: online.has(r.id),
      lastSeenAt: online.has(r.id) ? null : r.last_seen_at,
    };
  });
}
