/**
 * Shared presence and typing state. In-process for one instance; Redis when several instances
 * must agree on who is online. Connection entries expire unless refreshed, so an instance that
 * dies does not leave its users online forever.
 */
export interface PresenceStore {
  /** Registers a device connection; returns how many live connections the user has now. */
  addConnection(userId: string, connectionId: string, ttlMs: number): Promise<number>;
  /** Removes one; returns how many live connections the user still has. */
  removeConnection(userId: string, connectionId: string): Promise<number>;
  /** Heartbeat: extends the given connections' expiry. */
  refreshConnections(
    entries: { userId: string; connectionId: string }[],
    ttlMs: number,
  ): Promise<void>;
  /** Which of these users have at least one live connection. */
  onlineUsers(userIds: string[]): Promise<Set<string>>;
  /** Marks the user typing until `ttlMs` from now; true when they were not typing before. */
  startTyping(conversationId: string, userId: string, ttlMs: number): Promise<boolean>;
  /** True when the user was typing. */
  stopTyping(conversationId: string, userId: string): Promise<boolean>;
  isTyping(conversationId: string, userId: string): Promise<boolean>;
  close(): Promise<void>;
}
