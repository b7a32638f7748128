import type { PresenceStore } from '@parley/api';

type OneConnection = { id: string; expiresAt: number };

/** Single-instance presence and typing state, with the same expiry rules as the Redis store. */
export function createInProcessPresenceStore(now: () => number = Date.now): PresenceStore {
  // userId -> the user's connections: one (most users) as itself, several as id -> expiresAt.
  // Kept for every online device, so the one-connection case holds no Map of its own.
  const connections = new Map<string, OneConnection | Map<string, number>>();
  const typing = new Map<string, number>(); // conversationId:userId -> expiresAt

  /** How many of the user's connections live, after dropping those expired. */
  function live(userId: string): number {
    const entry = connections.get(userId);
    if (!entry) return 0;
    const at = now();
    if (!(entry instanceof Map)) {
      if (entry.expiresAt > at) return 1;
      connections.delete(userId);
      return 0;
    }
    for (const [id, expiresAt] of entry) if (expiresAt <= at) entry.delete(id);
    if (entry.size === 0) connections.delete(userId);
    return entry.size;
  }

  /** Sets one connection's expiry; returns the user's count. */
  function put(userId: string, id: string, expiresAt: number): number {
    const entry = connections.get(userId);
    if (!entry) {
      connections.set(userId, { id, expiresAt });
      return 1;
    }
    if (entry instanceof Map) return entry.set(id, expiresAt).size;
    if (entry.id === id) {
      entry.expiresAt = expiresAt;
      return 1;
    }
    connections.set(
      userId,
      new Map([
        [entry.id, entry.expiresAt],
        [id, expiresAt],
      ]),
    );
    return 2;
  }
  const typingLive = (key: string) => (typing.get(key) ?? 0) > now();

  return {
    async addConnection(userId, connectionId, ttlMs) {
      live(userId);
      return put(userId, connectionId, now() + ttlMs);
    },
    async removeConnection(userId, connectionId) {
      if (live(userId) === 0) return 0;
      const entry = connections.get(userId)!;
      if (!(entry instanceof Map)) {
        if (entry.id !== connectionId) return 1;
        connections.delete(userId);
        return 0;
      }
      entry.delete(connectionId);
      if (entry.size === 0) connections.delete(userId);
      return entry.size;
    },
    async refreshConnections(list, ttlMs) {
      for (const { userId, connectionId } of list) {
        if (connections.has(userId)) put(userId, connectionId, now() + ttlMs);
      }
    },
    async onlineUsers(userIds) {
      return new Set(userIds.filter((id) => live(id) > 0));
    },
    async startTyping(conversationId, userId, ttlMs) {
      const key = `${conversationId}:${userId}`;
      const started = !typingLive(key);
      typing.set(key, now() + ttlMs);
      return started;
    },
    async stopTyping(conversationId, userId) {
      const key = `${conversationId}:${userId}`;
      const was = typingLive(key);
      typing.delete(key);
      return was;
    },
    async isTyping(conversationId, userId) {
      return typingLive(`${conversationId}:${userId}`);
    },
    async close() {
      connections.clear();
      typing.clear();
    },
  };
}
