import type { Conversation } from '@parley/sdk';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { useChat, useChatStore } from '../state/chat-context.tsx';
import type { Draft } from './draft.ts';
import { MessageItem } from './MessageItem.tsx';
import { PendingItem } from './PendingItem.tsx';

const NONE: never[] = [];

interface MessageListProps {
  conversation: Conversation;
  onDraft: (draft: Draft) => void;
}

/**
 * History, oldest first, then this device's unsent messages. Scrolling near the top loads
 * older pages (the button does the same from the keyboard) without moving what is on screen.
 */
export function MessageList({ conversation, onDraft }: MessageListProps) {
  const store = useChatStore();
  const thread = useChat((s) => s.threads[conversation.id]);
  const pending = useChat((s) => s.pending[conversation.id] ?? NONE);
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const anchor = useRef({ first: '', height: 0, atBottom: true });
  const messages = thread?.messages ?? NONE;
  const first = messages[0]?.id ?? '';
  const last = messages.at(-1)?.id ?? '';

  // Older messages came in above: keep the same message under the reader's eyes.
  // Newer ones below: follow them if the reader was at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const a = anchor.current;
    if (a.first && a.first !== first) el.scrollTop += el.scrollHeight - a.height;
    else if (a.atBottom) el.scrollTop = el.scrollHeight;
    anchor.current = { ...a, first, height: el.scrollHeight };
  }, [first, last, pending.length]);

  useEffect(() => {
    const el = top.current;
    if (!el || !thread?.hasMore) return;
    const observer = new IntersectionObserver(
      ([entry]) => entry?.isIntersecting && void store.loadOlder(conversation.id),
      { root: scroller.current, rootMargin: '200px 0px 0px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [store, conversation.id, thread?.hasMore]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    anchor.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    anchor.current.height = el.scrollHeight;
  };

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} tabIndex={-1}>
      <ol className="message-list" aria-label="Messages">
        {thread?.hasMore && (
          <li ref={top} className="load-older">
            <button
              type="button"
              className="link"
              disabled={thread.loadingOlder}
              onClick={() => void store.loadOlder(conversation.id)}
            >
              {thread.loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        )}
        {thread && !thread.hasMore && messages.length > 0 && (
          <li className="muted small center">Beginning of the conversation</li>
        )}
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} conversation={conversation} onDraft={onDraft} />
        ))}
        {pending.map((p) => (
          <PendingItem key={p.clientMessageId} outgoing={p} />
        ))}
      </ol>
    </div>
  );
}
