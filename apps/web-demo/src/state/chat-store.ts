import type { Conversation, Message, ParleyClient, SendInput, User } from '@parley/sdk';
import { ParleyError } from '@parley/sdk';
import type { ChatState, LiveStore } from './chat-state.ts';
import { liveHandlers } from './live-handlers.ts';
import { prependMessages, sortConversations, type Thread, upsertMessage } from './threads.ts';

const PAGE = 30;

/**
 * The chat state of the signed-in user, fed by SDK calls and live events. Components read it
 * with `useChat(selector)`; every change replaces the state object (React compares by identity).
 */
export class ChatStore implements LiveStore {
  state: ChatState;
  private listeners = new Set<() => void>();

  constructor(readonly parley: ParleyClient) {
    this.state = {
      conversations: [],
      listLoaded: false,
      activeId: null,
      threads: {},
      participants: {},
      typing: {},
      online: {},
      users: {},
      pending: {},
      connection: parley.connection.status,
      pins: {},
      openThread: null,
      replies: {},
    };
  }

  get me(): string {
    return this.parley.session?.user.id ?? '';
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): ChatState => this.state;

  update(change: (state: ChatState) => Partial<ChatState>): void {
    this.state = { ...this.state, ...change(this.state) };
    for (const listener of this.listeners) listener();
  }

  /** Listens first, then loads, so nothing that happens in between is missed. */
  start(): () => void {
    const offs = liveHandlers(this);
    const onVisible = () => this.markActiveRead();
    document.addEventListener('visibilitychange', onVisible);
    void this.loadConversations();
    return () => {
      for (const off of offs) off();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  async loadConversations(): Promise<void> {
    const items: Conversation[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.parley.conversations.list({ cursor });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < 500);
    this.update(() => ({ conversations: sortConversations(items), listLoaded: true }));
    this.rememberUsers(items.flatMap((c) => (c.peer ? [c.peer] : [])));
    void this.loadPresence(items.flatMap((c) => (c.peer ? [c.peer.id] : [])));
  }

  async loadPresence(userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const list = await this.parley.presence.get({ userIds });
    this.update((s) => ({
      online: { ...s.online, ...Object.fromEntries(list.map((p) => [p.userId, p.online])) },
    }));
  }

  /** Puts a conversation into the list (or refreshes it); gone (left, removed) takes it out. */
  async refreshConversation(conversationId: string): Promise<Conversation | null> {
    try {
      const conversation = await this.parley.conversations.get({ conversationId });
      const known = this.state.conversations.some((c) => c.id === conversationId);
      if (conversation.archived) {
        this.removeConversation(conversationId);
        return conversation;
      }
      this.upsertConversation(conversation);
      if (!known && conversation.peer) void this.loadPresence([conversation.peer.id]);
      return conversation;
    } catch (error) {
      if (!(error instanceof ParleyError && error.code === 'NOT_FOUND')) throw error;
      this.removeConversation(conversationId);
      return null;
    }
  }

  /** Out of the list (archived, left, deleted); closed if it was open. */
  removeConversation(conversationId: string): void {
    this.update((s) => ({
      conversations: s.conversations.filter((c) => c.id !== conversationId),
      activeId: s.activeId === conversationId ? null : s.activeId,
    }));
  }

  /** Pin, unpin, archive, unarchive, mark unread: the answer is my new view of the chat. */
  async organize(
    conversationId: string,
    action: 'pin' | 'unpin' | 'archive' | 'unarchive' | 'markUnread',
  ): Promise<void> {
    const conversation = await this.parley.conversations[action]({ conversationId });
    if (conversation.archived) this.removeConversation(conversationId);
    else this.upsertConversation(conversation);
  }

  upsertConversation(conversation: Conversation): void {
    this.update((s) => ({
      conversations: sortConversations([
        conversation,
        ...s.conversations.filter((c) => c.id !== conversation.id),
      ]),
    }));
    if (conversation.peer) this.rememberUsers([conversation.peer]);
  }

  rememberUsers(users: User[]): void {
    if (users.length === 0) return;
    this.update((s) => ({
      users: { ...s.users, ...Object.fromEntries(users.map((u) => [u.id, u])) },
    }));
  }

  /** Opens a conversation: loads its newest page and members, and marks it read. */
  async select(conversationId: string | null): Promise<void> {
    this.update(() => ({ activeId: conversationId }));
    if (!conversationId) return;
    this.refreshPending(conversationId);
    if (!this.state.threads[conversationId]) {
      const page = await this.parley.messages.list({ conversationId, limit: PAGE });
      this.setThread(conversationId, {
        messages: page.messages,
        hasMore: page.hasMore,
        loadingOlder: false,
      });
    }
    await this.loadParticipants(conversationId);
    void this.loadPins(conversationId);
    this.markActiveRead();
  }

  async loadPins(conversationId: string): Promise<void> {
    const { items } = await this.parley.messages.pins({ conversationId });
    this.update((s) => ({ pins: { ...s.pins, [conversationId]: items } }));
  }

  /** Shows a thread beside the chat, with its replies loaded (and marked read). */
  async openThread(rootId: string | null): Promise<void> {
    this.update(() => ({ openThread: rootId }));
    if (!rootId) return;
    const page = await this.parley.messages.thread({ messageId: rootId, limit: 100 });
    this.putMessage(page.root);
    this.update((s) => ({ replies: { ...s.replies, [rootId]: page.replies } }));
    this.parley.messages.readThread({ messageId: rootId }).catch(() => undefined);
  }

  async loadParticipants(conversationId: string): Promise<void> {
    const participants = await this.parley.conversations.participants({ conversationId });
    this.update((s) => ({ participants: { ...s.participants, [conversationId]: participants } }));
    this.rememberUsers(participants.map((p) => p.user));
    void this.loadPresence(participants.map((p) => p.user.id).filter((id) => id !== this.me));
  }

  async loadOlder(conversationId: string): Promise<void> {
    const thread = this.state.threads[conversationId];
    const oldest = thread?.messages[0];
    if (!thread?.hasMore || thread.loadingOlder || !oldest) return;
    this.setThread(conversationId, { ...thread, loadingOlder: true });
    const page = await this.parley.messages.list({
      conversationId,
      before: oldest.seq,
      limit: PAGE,
    });
    const current = this.state.threads[conversationId] ?? thread;
    this.setThread(conversationId, {
      messages: prependMessages(current.messages, page.messages),
      hasMore: page.hasMore,
      loadingOlder: false,
    });
  }

  setThread(conversationId: string, thread: Thread): void {
    this.update((s) => ({ threads: { ...s.threads, [conversationId]: thread } }));
  }

  /** A message into its (loaded) thread and the conversation's preview. */
  putMessage(message: Message): void {
    const rootId = message.threadRootId;
    const replies = rootId ? this.state.replies[rootId] : undefined;
    if (rootId && replies) {
      this.update((s) => ({
        replies: { ...s.replies, [rootId]: upsertMessage(replies, message) },
      }));
    }
    // A thread reply not sent to the conversation shows in its thread only.
    if (!message.inChannel) return;
    const thread = this.state.threads[message.conversationId];
    if (thread) {
      this.setThread(message.conversationId, {
        ...thread,
        messages: upsertMessage(thread.messages, message),
      });
    }
  }

  refreshPending(conversationId: string): void {
    this.update((s) => ({
      pending: { ...s.pending, [conversationId]: this.parley.messages.pending(conversationId) },
    }));
  }

  /** Reads the open conversation up to its newest message, when the page is in view. */
  markActiveRead(): void {
    const id = this.state.activeId;
    const conversation = this.state.conversations.find((c) => c.id === id);
    if (!id || !conversation || document.visibilityState !== 'visible') return;
    if (conversation.unreadCount === 0 && conversation.lastReadSeq >= conversation.lastSeq) return;
    this.update((s) => ({
      conversations: s.conversations.map((c) =>
        c.id === id ? { ...c, unreadCount: 0, lastReadSeq: c.lastSeq } : c,
      ),
    }));
    this.parley.conversations.markRead({ conversationId: id }).catch(() => undefined);
  }

  send(
    conversationId: string,
    text: string,
    replyToId: string | null,
    attachments: string[],
    extra: Partial<Pick<SendInput, 'mentions' | 'threadRootId' | 'alsoSendToConversation'>> = {},
  ) {
    this.parley.messages.send({ conversationId, text, replyToId, attachments, ...extra });
    if (!extra.threadRootId || extra.alsoSendToConversation) this.refreshPending(conversationId);
  }
}
