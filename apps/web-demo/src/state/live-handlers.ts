import type { LiveStore } from './chat-state.ts';
import { applyUpdate, moveWatermarks, updateId } from './threads.ts';

/** Wires every SDK event into the store; returns the functions that stop listening. */
export function liveHandlers(store: LiveStore): Array<() => void> {
  const { parley } = store;
  const setTyping = (conversationId: string, userId: string, isTyping: boolean) =>
    store.update((s) => {
      const others = (s.typing[conversationId] ?? []).filter((id) => id !== userId);
      return { typing: { ...s.typing, [conversationId]: isTyping ? [...others, userId] : others } };
    });

  return [
    parley.on('connection', ({ status }) => store.update(() => ({ connection: status }))),

    parley.on('message', (message) => {
      const id = message.conversationId;
      const known = store.state.conversations.find((c) => c.id === id);
      if (!known) {
        void store.refreshConversation(id);
      } else if (message.inChannel) {
        const mine = message.senderId === store.me;
        const unread = !mine && message.kind !== 'system' ? 1 : 0;
        store.upsertConversation({
          ...known,
          lastMessage: message,
          lastSeq: Math.max(known.lastSeq, message.seq),
          unreadCount: known.unreadCount + unread,
          lastReadSeq: mine ? message.seq : known.lastReadSeq,
        });
      }
      setTyping(id, message.senderId, false);
      store.putMessage(message);
      // The server moves the sender's own watermarks to their new message.
      const members = store.state.participants[id];
      if (members) {
        store.update((s) => ({
          participants: {
            ...s.participants,
            [id]: moveWatermarks(members, message.senderId, message.seq, message.seq),
          },
        }));
      }
      store.markActiveRead();
    }),

    parley.on('messageUpdated', (update) => {
      const thread = store.state.threads[update.conversationId];
      const messageId = updateId(update);
      if (thread) {
        store.setThread(update.conversationId, {
          ...thread,
          messages: thread.messages.map((m) => (m.id === messageId ? applyUpdate(m, update) : m)),
        });
      }
      const conversation = store.state.conversations.find((c) => c.id === update.conversationId);
      if (conversation?.lastMessage?.id === messageId) {
        store.upsertConversation({
          ...conversation,
          lastMessage: applyUpdate(conversation.lastMessage, update),
        });
      }
    }),

    parley.on('receipt', (receipt) => {
      const members = store.state.participants[receipt.conversationId];
      if (members) {
        store.update((s) => ({
          participants: {
            ...s.participants,
            [receipt.conversationId]: moveWatermarks(
              members,
              receipt.userId,
              receipt.lastDeliveredSeq,
              receipt.lastReadSeq,
            ),
          },
        }));
      }
      // Read on another device of mine: the badge follows.
      if (receipt.userId === store.me) void store.refreshConversation(receipt.conversationId);
    }),

    // A thread got a reply: its root shows the new count; an open thread marks it read.
    parley.on('thread', (event) => {
      if (event.type !== 'thread.updated') return;
      const thread = store.state.threads[event.conversationId];
      const root = thread?.messages.find((m) => m.id === event.rootId);
      if (root) store.putMessage({ ...root, thread: event.thread });
      if (store.state.openThread === event.rootId) {
        store.parley.messages.readThread({ messageId: event.rootId }).catch(() => undefined);
      }
    }),

    parley.on('pin', ({ conversationId }) => {
      if (store.state.pins[conversationId]) void store.loadPins(conversationId);
    }),

    parley.on('typing', ({ conversationId, userId, isTyping }) =>
      setTyping(conversationId, userId, isTyping),
    ),

    parley.on('presence', ({ userId, online }) =>
      store.update((s) => ({ online: { ...s.online, [userId]: online } })),
    ),

    parley.on('conversation', ({ conversationId }) => {
      void store.refreshConversation(conversationId);
    }),

    // Members joined, left or changed role: my role and the member list follow; a group I
    // left or was removed from drops out of the list.
    parley.on('member', ({ conversationId }) => {
      void store.refreshConversation(conversationId).then((conversation) => {
        if (conversation && store.state.participants[conversationId]) {
          void store.loadParticipants(conversationId);
        }
      });
    }),

    // My archive / pin / unread / mute state, changed on another device.
    parley.on('conversationState', ({ conversationId }) => {
      void store.refreshConversation(conversationId);
    }),

    parley.on('conversationDeleted', ({ conversationId }) =>
      store.removeConversation(conversationId),
    ),

    // My draft, saved on another device: the composer follows (see Composer).
    parley.on('draft', ({ conversationId, draft }) => {
      const known = store.state.conversations.find((c) => c.id === conversationId);
      if (known) store.upsertConversation({ ...known, draft: draft.text ? draft : null });
    }),

    // A contact (or I, elsewhere) changed their profile: names and pictures follow.
    parley.on('user', ({ user }) =>
      store.update((s) => ({
        users: { ...s.users, [user.id]: user },
        conversations: s.conversations.map((c) =>
          c.peer?.id === user.id ? { ...c, peer: user } : c,
        ),
      })),
    ),

    parley.on('status', (outgoing) => {
      // Into the thread once; later status events (delivered, read by N) must not put back
      // the message as sent, over its updates (edits, link preview).
      const stored = outgoing.message;
      const thread = stored ? store.state.threads[stored.conversationId] : undefined;
      if (stored && !thread?.messages.some((m) => m.id === stored.id)) store.putMessage(stored);
      store.refreshPending(outgoing.conversationId);
    }),
  ];
}
