import type { ParleyClient } from '../client-types.ts';
import type { Conversation, Message, Participant, Presence } from '../contract.gen.ts';
import type { ConnectionState } from '../live.ts';
import type { OutgoingMessage } from '../outgoing.ts';
import {
  emptyTimeline,
  merge,
  optimistic,
  react,
  statusFor,
  type Timeline,
  trim,
  update,
} from './timeline.ts';

export type { Timeline, TimelineMessage } from './timeline.ts';

/** The later of two ISO-8601 timestamps. */
const later = (a: string, b: string) => (a.localeCompare(b) > 0 ? a : b);

/** A conversation as the list shows it: the server's view plus typing and the peer's presence. */
export interface ConversationEntry extends Conversation {
  /** Who is typing now (user ids), yourself excluded. */
  readonly typing: readonly string[];
  /** Direct chats: whether the other member is online. */
  readonly peerPresence: Presence | null;
}

export interface ChatState {
  /** Most recent activity first. */
  readonly conversations: readonly ConversationEntry[];
  readonly conversationsLoaded: boolean;
  readonly timelines: Readonly<Record<string, Timeline>>;
  readonly presence: Readonly<Record<string, Presence>>;
  /**
   * Members of the watched conversations (loaded with the timeline), their watermarks kept
   * current by the live receipts.
   */
  readonly members: Readonly<Record<string, readonly Participant[]>>;
  readonly connection: ConnectionState;
}

export interface ChatStoreOptions {
  /** Messages per history page. Default 50. */
  pageSize?: number;
  /** Timelines nobody watches keep only their newest page; this many keep everything. Default 5. */
  keepInactive?: number;
  /** A typing signal without a refresh expires after this long. Default 6000 ms. */
  typingTimeoutMs?: number;
}

export interface ChatStore {
  getState(): ChatState;
  /** Called after every change. */
  subscribe(listener: () => void): () => void;
  /** Called when `selector`'s result changes (by `equals`, default `Object.is`). */
  select<T>(
    selector: (state: ChatState) => T,
    listener: (value: T) => void,
    equals?: (a: T, b: T) => boolean,
  ): () => void;
  /** Loads (or reloads) the conversation list and the peers' presence. */
  loadConversations(): Promise<void>;
  /**
   * Marks a timeline watched and loads its newest page (once). Returns the release function:
   * unwatched timelines are trimmed to their newest page.
   */
  watch(conversationId: string): () => void;
  /** Loads these users' presence (then kept up to date by the stream). */
  loadPresence(userIds: readonly string[]): Promise<void>;
  /** Loads the page before the oldest message; false when there is nothing older. */
  loadOlder(conversationId: string): Promise<boolean>;
  /** (Re)loads a conversation's members, e.g. after changing them. */
  loadMembers(conversationId: string): Promise<void>;
  /**
   * Puts the server's answer about a conversation into the list (`openDirect`, `groups.create`,
   * `conversations.pin` / `archive`...): archived ones leave the list, as in `conversations.list`.
   */
  putConversation(conversation: Conversation): void;
  /** Marks a conversation read up to its newest message: the badge clears at once. */
  markRead(conversationId: string): Promise<void>;
  /** Stops listening to the client. */
  destroy(): void;
}

/**
 * A framework-free client-side store: the conversation list and timelines, kept consistent with
 * the server by the live stream (which resumes without gaps), optimistic sends merged by
 * clientMessageId, and reloads where the stream alone cannot tell (your own read watermark,
 * conversation and membership changes, a reconnect).
 */
export function createChatStore(parley: ParleyClient, options: ChatStoreOptions = {}): ChatStore {
  const pageSize = options.pageSize ?? 50;
  const keepInactive = options.keepInactive ?? 5;
  const typingTimeoutMs = options.typingTimeoutMs ?? 6000;
  let state: ChatState = {
    conversations: [],
    conversationsLoaded: false,
    timelines: {},
    presence: {},
    members: {},
    connection: parley.connection,
  };
  const listeners = new Set<() => void>();
  const watchers = new Map<string, number>();
  /** Unwatched timelines, least recently released first. */
  const inactive: string[] = [];
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const me = () => parley.session?.user.id ?? '';

  function set(next: Partial<ChatState>): void {
    state = { ...state, ...next };
    for (const listener of [...listeners]) listener();
  }

  /** As `conversations.list` orders them: pinned first (last pinned on top), then by activity. */
  const sortByActivity = (list: ConversationEntry[]) =>
    list.sort(
      (a, b) =>
        Number(b.pinnedAt !== null) - Number(a.pinnedAt !== null) ||
        (b.pinnedAt ?? '').localeCompare(a.pinnedAt ?? '') ||
        (a.pinnedAt ? 0 : b.updatedAt.localeCompare(a.updatedAt)) ||
        b.id.localeCompare(a.id),
    );

  function entry(conversation: Conversation, previous?: ConversationEntry): ConversationEntry {
    const peer = conversation.peer?.id;
    return {
      ...conversation,
      typing: previous?.typing ?? [],
      peerPresence: (peer && state.presence[peer]) || null,
    };
  }

  // Live changes applied to each conversation's entry. A server answer read before a change
  // arrived is older than the entry: `refreshConversation` and `loadConversations` compare
  // counts around their request and never let such an answer overwrite the entry.
  const changes = new Map<string, number>();
  const changesOf = (id: string) => changes.get(id) ?? 0;
  // The change count at which each conversation was last forgotten (you left, it was deleted).
  const forgottenAt = new Map<string, number>();
  const forgottenSince = (id: string, count: number) => (forgottenAt.get(id) ?? -1) > count;

  function setConversation(
    id: string,
    change: (c: ConversationEntry) => ConversationEntry,
    { live = true } = {},
  ) {
    const index = state.conversations.findIndex((c) => c.id === id);
    if (index < 0) return false;
    const list = [...state.conversations];
    list[index] = change(list[index]!);
    if (live) changes.set(id, changesOf(id) + 1);
    set({ conversations: sortByActivity(list) });
    return true;
  }

  function setTimeline(id: string, change: (t: Timeline) => Timeline) {
    const current = state.timelines[id];
    if (!current) return;
    const next = change(current);
    if (next !== current) set({ timelines: { ...state.timelines, [id]: next } });
  }

  /** The member watermarks of a conversation whose members are loaded. */
  function marksOf(conversationId: string) {
    const members = state.members[conversationId];
    if (!members) return null;
    return new Map(
      members.map((p) => [p.user.id, { delivered: p.lastDeliveredSeq, read: p.lastReadSeq }]),
    );
  }

  /** Re-derives your messages' statuses from the member watermarks. */
  function restatus(conversationId: string): void {
    const known = marksOf(conversationId);
    if (!known) return;
    const fix = <M extends Message>(m: M): M =>
      m.senderId === me() && m.seq > 0 ? { ...m, status: statusFor(m.seq, me(), known) } : m;
    // (The list's lastMessage carries no status, as conversations.list answers it.)
    setTimeline(conversationId, (t) => ({ ...t, messages: t.messages.map(fix) }));
  }

  function moveMark(conversationId: string, userId: string, delivered: number, read: number) {
    const members = state.members[conversationId];
    const at = members?.findIndex((p) => p.user.id === userId) ?? -1;
    if (!members || at < 0) return;
    const p = members[at]!;
    // Watermarks never move backwards; reading implies delivery.
    const lastDeliveredSeq = Math.max(p.lastDeliveredSeq, delivered, read);
    const lastReadSeq = Math.max(p.lastReadSeq, read);
    if (lastDeliveredSeq === p.lastDeliveredSeq && lastReadSeq === p.lastReadSeq) return;
    const next = [...members];
    next[at] = { ...p, lastDeliveredSeq, lastReadSeq };
    set({ members: { ...state.members, [conversationId]: next } });
    restatus(conversationId);
  }

  const refreshing = new Map<string, Promise<void>>();
  /** Reloads one conversation's server view (your unread count, title, members...). */
  function refreshConversation(id: string): Promise<void> {
    const running = refreshing.get(id);
    if (running) {
      // The answer on its way may predate what prompted this call: have it asked again.
      changes.set(id, changesOf(id) + 1);
      return running;
    }
    const fetchOnce = async (tries: number): Promise<void> => {
      const before = changesOf(id);
      const conversation = await parley.conversations.get({ conversationId: id });
      // Live changes arrived while the answer was on its way: it may be older, ask again.
      if (changesOf(id) !== before) {
        if (tries > 1) return fetchOnce(tries - 1);
        // Still racing: keep what the live events built; never move it backwards, nor bring
        // back a conversation that went away meanwhile (you left it).
        const current = state.conversations.find((c) => c.id === id);
        if (forgottenSince(id, before) || (current && current.lastSeq > conversation.lastSeq)) {
          return;
        }
      }
      putConversation(conversation);
    };
    const job = fetchOnce(5)
      .catch((error: { code?: string }) => {
        if (error.code === 'NOT_FOUND') forget(id);
      })
      .finally(() => refreshing.delete(id));
    refreshing.set(id, job);
    return job;
  }

  async function loadMembers(id: string): Promise<void> {
    const participants = await parley.conversations.participants({ conversationId: id });
    // Receipts that arrived meanwhile are kept (watermarks only move forward).
    const known = new Map((state.members[id] ?? []).map((p) => [p.user.id, p]));
    const members = participants.map((p) => {
      const k = known.get(p.user.id);
      return k
        ? {
            ...p,
            lastDeliveredSeq: Math.max(p.lastDeliveredSeq, k.lastDeliveredSeq),
            lastReadSeq: Math.max(p.lastReadSeq, k.lastReadSeq),
          }
        : p;
    });
    set({ members: { ...state.members, [id]: members } });
    restatus(id);
  }

  function forget(id: string): void {
    changes.set(id, changesOf(id) + 1); // an answer on its way predates this
    forgottenAt.set(id, changesOf(id));
    const { [id]: _gone, ...timelines } = state.timelines;
    const { [id]: _left, ...members } = state.members;
    set({ conversations: state.conversations.filter((c) => c.id !== id), timelines, members });
  }

  function putConversation(conversation: Conversation): void {
    const previous = state.conversations.find((c) => c.id === conversation.id);
    const others = state.conversations.filter((c) => c.id !== conversation.id);
    // Archived conversations are not in the list (`conversations.listArchived` has them).
    const list = conversation.archived ? others : [...others, entry(conversation, previous)];
    // A list page on its way may predate this answer (see `loadConversations`).
    changes.set(conversation.id, changesOf(conversation.id) + 1);
    if (conversation.archived) forgottenAt.set(conversation.id, changesOf(conversation.id));
    set({ conversations: sortByActivity(list) });
    const peer = conversation.peer?.id;
    if (!previous && peer && !state.presence[peer]) {
      void parley.presence
        .get({ userIds: [peer] })
        .then(setPresence)
        .catch(() => {});
    }
  }

  function onMessage(message: Message): void {
    const mine = message.senderId === me();
    if (!message.inChannel) {
      // A reply in its thread only: not in the timeline; the list is the server's to say.
      void refreshConversation(message.conversationId);
      setTyping(message.conversationId, message.senderId, false);
      return;
    }
    const known = setConversation(message.conversationId, (c) => {
      // The same message seen again (from the outbox after the stream) is no newer.
      const newer = c.lastMessage && c.lastMessage.seq >= message.seq;
      const last = newer ? c.lastMessage : { ...message, status: null };
      const counts = message.kind === 'text' && !mine && message.seq > c.lastReadSeq;
      return {
        ...c,
        lastMessage: last,
        lastSeq: Math.max(c.lastSeq, message.seq),
        updatedAt: later(message.createdAt, c.updatedAt),
        // Sending moves your own watermarks to your message: nothing before it is unread.
        ...(mine
          ? {
              lastReadSeq: Math.max(c.lastReadSeq, message.seq),
              lastDeliveredSeq: Math.max(c.lastDeliveredSeq, message.seq),
              unreadCount: 0,
            }
          : { unreadCount: c.unreadCount + (counts ? 1 : 0) }),
      };
    });
    if (!known) void refreshConversation(message.conversationId);
    setTimeline(message.conversationId, (t) => merge(t, [message]));
    // The server moves the sender's watermarks to their new message.
    moveMark(message.conversationId, message.senderId, message.seq, message.seq);
    setTyping(message.conversationId, message.senderId, false);
  }

  function onChanged(message: Message, conversationId: string): void {
    const mine = message.senderId === me();
    setTimeline(conversationId, (t) =>
      update(t, message.id, (m) => ({
        ...message,
        status: mine ? m.status : null,
        local: null,
      })),
    );
    setConversation(conversationId, (c) =>
      c.lastMessage?.id === message.id ? { ...c, lastMessage: { ...message, status: null } } : c,
    );
    restatus(conversationId);
  }

  function setTyping(conversationId: string, userId: string, typing: boolean): void {
    const key = `${conversationId}:${userId}`;
    clearTimeout(typingTimers.get(key));
    typingTimers.delete(key);
    if (typing) {
      typingTimers.set(
        key,
        setTimeout(() => setTyping(conversationId, userId, false), typingTimeoutMs),
      );
    }
    setConversation(
      conversationId,
      (c) => {
        const has = c.typing.includes(userId);
        if (has === typing) return c;
        return {
          ...c,
          typing: typing ? [...c.typing, userId] : c.typing.filter((u) => u !== userId),
        };
      },
      { live: false }, // typing is not part of the server's answer
    );
  }

  function setPresence(list: readonly Presence[]): void {
    if (!list.length) return;
    const presence = { ...state.presence };
    for (const p of list) presence[p.userId] = p;
    const conversations = state.conversations.map((c) => {
      const peer = c.peer?.id;
      const next = (peer && presence[peer]) || null;
      return next === c.peerPresence ? c : { ...c, peerPresence: next };
    });
    set({ presence, conversations });
  }

  function onOutgoing(item: OutgoingMessage): void {
    const id = item.conversationId;
    if (!item.inChannel) return;
    if (item.message) {
      // Status changes of a sent message come back here with the message as it was sent: the
      // timeline's copy (edited, deleted, reacted to since) stays.
      const seen = state.timelines[id]?.messages.some((m) => m.id === item.message!.id);
      if (!seen) onMessage(item.message);
      return;
    }
    // Discarded: no longer in the outbox.
    const kept = parley.messages
      .pending(id)
      .some((p) => p.clientMessageId === item.clientMessageId);
    setTimeline(id, (t) => {
      const rest = t.messages.filter((m) => m.clientMessageId !== item.clientMessageId || !m.local);
      return { ...t, messages: kept ? [...rest, optimistic(item, me())] : rest };
    });
  }

  const offs = [
    parley.on('message', onMessage),
    parley.on('messageUpdated', (event) => {
      if (
        event.type === 'message.edited' ||
        event.type === 'message.deleted' ||
        event.type === 'message.updated'
      ) {
        onChanged(event.message, event.conversationId);
        // A deleted message no longer counts as unread: the server's count is the truth.
        if (event.type === 'message.deleted') void refreshConversation(event.conversationId);
        return;
      }
      const added = event.type === 'reaction.added';
      const apply = <M extends Message>(m: M) => react(m, event.emoji, event.userId, added);
      setTimeline(event.conversationId, (t) => update(t, event.messageId, apply));
      setConversation(event.conversationId, (c) =>
        c.lastMessage?.id === event.messageId ? { ...c, lastMessage: apply(c.lastMessage) } : c,
      );
    }),
    parley.on('receipt', (event) => {
      const before = state.conversations.find((c) => c.id === event.conversationId);
      moveMark(event.conversationId, event.userId, event.lastDeliveredSeq, event.lastReadSeq);
      if (event.userId !== me() || !before) return;
      setConversation(event.conversationId, (c) => ({
        ...c,
        lastDeliveredSeq: Math.max(c.lastDeliveredSeq, event.lastDeliveredSeq),
        lastReadSeq: Math.max(c.lastReadSeq, event.lastReadSeq),
      }));
      // Your read watermark moved (on any device): the unread count is the server's to say.
      if (event.lastReadSeq > before.lastReadSeq) void refreshConversation(event.conversationId);
    }),
    parley.on('conversation', (event) => void refreshConversation(event.conversationId)),
    parley.on('member', (event) => {
      if (event.type === 'member.left' && event.userId === me()) {
        forget(event.conversationId);
        return;
      }
      void refreshConversation(event.conversationId);
      if (state.members[event.conversationId]) {
        void loadMembers(event.conversationId).catch(() => {});
      }
    }),
    // Archived, pinned, muted, marked unread on one of your devices.
    parley.on('conversationState', (event) => void refreshConversation(event.conversationId)),
    parley.on('conversationDeleted', (event) => forget(event.conversationId)),
    parley.on('draft', (event) => {
      setConversation(event.conversationId, (c) => ({
        ...c,
        draft: event.draft.text ? event.draft : null,
      }));
    }),
    // A profile changed: names and pictures follow in the list and the member lists.
    parley.on('user', ({ user }) => {
      const conversations = state.conversations.map((c) =>
        c.peer?.id === user.id ? { ...c, peer: user } : c,
      );
      const members: Record<string, readonly Participant[]> = {};
      for (const [id, list] of Object.entries(state.members)) {
        members[id] = list.some((p) => p.user.id === user.id)
          ? list.map((p) => (p.user.id === user.id ? { ...p, user } : p))
          : list;
      }
      set({ conversations, members });
    }),
    // A thread got a reply: its root shows the new summary.
    parley.on('thread', (event) => {
      if (event.type !== 'thread.updated') return;
      setTimeline(event.conversationId, (t) =>
        update(t, event.rootId, (m) => ({ ...m, thread: event.thread })),
      );
    }),
    parley.on('typing', (event) => {
      if (event.userId !== me()) setTyping(event.conversationId, event.userId, event.isTyping);
    }),
    parley.on('presence', (event) => setPresence([event])),
    parley.on('status', onOutgoing),
    parley.on('connection', (connection) => {
      const back = connection.status === 'connected' && state.connection.status === 'reconnecting';
      set({ connection });
      if (connection.status !== 'connected') {
        // Typing is not replayed: what we knew is stale.
        for (const key of [...typingTimers.keys()]) {
          const [conversationId, userId] = key.split(':') as [string, string];
          setTyping(conversationId, userId, false);
        }
      }
      // Resumed: durable events were replayed; presence was not.
      if (back && state.conversationsLoaded) void loadConversations().catch(() => {});
    }),
    parley.on('session', ({ change }) => {
      if (change === 'logout' || change === 'expired') {
        set({
          conversations: [],
          conversationsLoaded: false,
          timelines: {},
          presence: {},
          members: {},
        });
      }
    }),
  ];

  async function loadConversations(): Promise<void> {
    const items: Conversation[] = [];
    const before = new Map(changes);
    let cursor: string | null = null;
    do {
      const page = await parley.conversations.list({ cursor, limit: 100 });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const previous = new Map(state.conversations.map((c) => [c.id, c]));
    // A conversation that changed live while the pages were loading keeps its entry, or
    // stays out if it went away (the page may predate the change), and is reloaded on its own.
    const raced = new Set(
      items.filter((c) => changesOf(c.id) !== (before.get(c.id) ?? 0)).map((c) => c.id),
    );
    const kept = items.flatMap((c) => {
      const current = previous.get(c.id);
      if (!raced.has(c.id)) return [entry(c, current)];
      if (current) return [current];
      return forgottenSince(c.id, before.get(c.id) ?? 0) ? [] : [entry(c)];
    });
    // And one that came in meanwhile (a new chat, an unarchived one) stays, though no page had it.
    const listed = new Set(items.map((c) => c.id));
    for (const c of previous.values()) {
      if (!listed.has(c.id) && changesOf(c.id) !== (before.get(c.id) ?? 0)) kept.push(c);
    }
    set({ conversations: sortByActivity(kept), conversationsLoaded: true });
    for (const id of raced) void refreshConversation(id);
    const peers = [...new Set(items.flatMap((c) => (c.peer ? [c.peer.id] : [])))];
    for (let i = 0; i < peers.length; i += 100) {
      setPresence(await parley.presence.get({ userIds: peers.slice(i, i + 100) }));
    }
  }

  async function loadNewest(id: string): Promise<void> {
    const [page] = await Promise.all([
      parley.messages.list({ conversationId: id, limit: pageSize }),
      loadMembers(id),
    ]);
    const current = state.timelines[id] ?? emptyTimeline;
    const pending = parley.messages.pending(id).map((item) => optimistic(item, me()));
    const base: Timeline = current.loaded
      ? current
      : { messages: pending, hasOlder: page.hasMore, loaded: true };
    set({ timelines: { ...state.timelines, [id]: merge(base, page.messages) } });
    restatus(id);
  }

  function trimInactive(): void {
    while (inactive.length > keepInactive) {
      const id = inactive.shift()!;
      setTimeline(id, (t) => trim(t, pageSize));
    }
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    select(selector, listener, equals = Object.is) {
      let last = selector(state);
      const check = () => {
        const next = selector(state);
        if (equals(last, next)) return;
        last = next;
        listener(next);
      };
      listeners.add(check);
      return () => listeners.delete(check);
    },
    loadConversations,
    async loadPresence(userIds) {
      for (let i = 0; i < userIds.length; i += 100) {
        setPresence(await parley.presence.get({ userIds: userIds.slice(i, i + 100) }));
      }
    },
    watch(id) {
      watchers.set(id, (watchers.get(id) ?? 0) + 1);
      const at = inactive.indexOf(id);
      if (at >= 0) inactive.splice(at, 1);
      if (!state.timelines[id]?.loaded) {
        if (!state.timelines[id]) set({ timelines: { ...state.timelines, [id]: emptyTimeline } });
        void loadNewest(id).catch(() => {});
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (watchers.get(id) ?? 1) - 1;
        if (left > 0) return void watchers.set(id, left);
        watchers.delete(id);
        inactive.push(id);
        trimInactive();
      };
    },
    async loadOlder(id) {
      const timeline = state.timelines[id];
      const oldest = timeline?.messages.find((m) => !m.local);
      if (!timeline?.loaded || !timeline.hasOlder || !oldest) return false;
      const page = await parley.messages.list({
        conversationId: id,
        before: oldest.seq,
        limit: pageSize,
      });
      setTimeline(id, (t) => ({ ...merge(t, page.messages), hasOlder: page.hasMore }));
      restatus(id);
      return page.hasMore;
    },
    loadMembers,
    putConversation,
    async markRead(id) {
      const unread = state.conversations.find((c) => c.id === id);
      if (unread && (unread.unreadCount > 0 || unread.markedUnread)) {
        setConversation(id, (c) => ({
          ...c,
          unreadCount: 0,
          unreadMentionCount: 0,
          markedUnread: false,
          lastReadSeq: Math.max(c.lastReadSeq, c.lastSeq),
        }));
      }
      await parley.conversations.markRead({ conversationId: id });
    },
    destroy() {
      for (const off of offs) off();
      for (const timer of typingTimers.values()) clearTimeout(timer);
      listeners.clear();
    },
  };
}
