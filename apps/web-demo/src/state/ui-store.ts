import type { Conversation, Message, ParleyClient } from '@parley/sdk';
import type { ChatStore } from '@parley/sdk/store';

/**
 * What only this demo keeps: which chat and which thread are open, the open thread's replies
 * and the pinned messages of opened chats. Conversations, timelines, members, typing, presence
 * and the connection come from @parley/react (the SDK's store).
 */
export interface UiState {
  activeId: string | null;
  /** The thread shown beside the chat (its root message id), and loaded replies per root. */
  openThread: string | null;
  replies: Record<string, Message[]>;
  /** Pinned messages per conversation (loaded when the chat opens). */
  pins: Record<string, Pin[]>;
}

export interface Pin {
  message: Message;
  pinnedBy: string;
  pinnedAt: string;
}

/** Inserts or replaces `message`, keeping the list ordered by `seq`. */
export function upsertMessage(messages: Message[], message: Message): Message[] {
  const index = messages.findIndex((m) => m.id === message.id);
  if (index >= 0) return messages.map((m, i) => (i === index ? message : m));
  return [...messages, message].sort((a, b) => a.seq - b.seq);
}

export class UiStore {
  state: UiState = { activeId: null, openThread: null, replies: {}, pins: {} };
  private listeners = new Set<() => void>();

  constructor(
    readonly parley: ParleyClient,
    readonly chat: ChatStore,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): UiState => this.state;

  private update(change: (state: UiState) => Partial<UiState>): void {
    this.state = { ...this.state, ...change(this.state) };
    for (const listener of this.listeners) listener();
  }

  /** Listens to what only the demo keeps; returns the function that stops. */
  start(): () => void {
    const { parley } = this;
    const onVisible = () => this.markActiveRead();
    document.addEventListener('visibilitychange', onVisible);
    const offs = [
      // Replies into the open (loaded) thread; the open chat is read as messages arrive.
      parley.on('message', (message) => {
        const rootId = message.threadRootId;
        const replies = rootId ? this.state.replies[rootId] : undefined;
        if (rootId && replies) {
          this.update((s) => ({
            replies: { ...s.replies, [rootId]: upsertMessage(replies, message) },
          }));
        }
        this.markActiveRead();
      }),
      parley.on('messageUpdated', (update) => {
        if (!('message' in update)) return;
        const { message } = update;
        const rootId = message.threadRootId;
        const replies = rootId ? this.state.replies[rootId] : undefined;
        if (rootId && replies?.some((m) => m.id === message.id)) {
          this.update((s) => ({
            replies: { ...s.replies, [rootId]: upsertMessage(replies, message) },
          }));
        }
      }),
      // An open thread that gets a reply stays read.
      parley.on('thread', (event) => {
        if (event.type === 'thread.updated' && this.state.openThread === event.rootId) {
          parley.messages.readThread({ messageId: event.rootId }).catch(() => undefined);
        }
      }),
      parley.on('pin', ({ conversationId }) => {
        if (this.state.pins[conversationId]) void this.loadPins(conversationId);
      }),
      // The open chat left the list (archived, left, deleted): it closes.
      this.chat.subscribe(() => {
        const id = this.state.activeId;
        const { conversations, conversationsLoaded } = this.chat.getState();
        if (id && conversationsLoaded && !conversations.some((c) => c.id === id)) {
          this.update(() => ({ activeId: null }));
        }
      }),
    ];
    return () => {
      for (const off of offs) off();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  /** Opens a conversation (its timeline loads through useMessages) and marks it read. */
  async select(conversationId: string | null): Promise<void> {
    this.update(() => ({ activeId: conversationId }));
    if (!conversationId) return;
    void this.loadPins(conversationId).catch(() => undefined);
    this.markActiveRead();
  }

  /** A conversation the server just answered with (opened, created): listed and opened. */
  async open(conversation: Conversation): Promise<void> {
    this.chat.putConversation(conversation);
    await this.select(conversation.id);
  }

  /** Pin, unpin, archive, unarchive, mark unread: the answer is my new view of the chat. */
  async organize(
    conversationId: string,
    action: 'pin' | 'unpin' | 'archive' | 'unarchive' | 'markUnread',
  ): Promise<void> {
    this.chat.putConversation(await this.parley.conversations[action]({ conversationId }));
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
    this.update((s) => ({ replies: { ...s.replies, [rootId]: page.replies } }));
    this.parley.messages.readThread({ messageId: rootId }).catch(() => undefined);
  }

  /** Reads the open conversation up to its newest message, when the page is in view. */
  markActiveRead(): void {
    const id = this.state.activeId;
    const conversation = this.chat.getState().conversations.find((c) => c.id === id);
    if (!id || !conversation || document.visibilityState !== 'visible') return;
    if (conversation.unreadCount === 0 && conversation.lastReadSeq >= conversation.lastSeq) return;
    this.chat.markRead(id).catch(() => undefined);
  }
}
