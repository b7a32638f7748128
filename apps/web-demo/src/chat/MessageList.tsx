import { useMessages, useParley } from '@parley/react';
import type { Conversation } from '@parley/sdk';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Draft } from './draft.ts';
import { MessageItem } from './MessageItem.tsx';
import { PendingItem } from './PendingItem.tsx';

interface MessageListProps {
  conversation: Conversation;
  onDraft: (draft: Draft) => void;
}

/**
 * History, oldest first, then this device's unsent messages. Scrolling near the top loads
 * older pages (the button does the same from the keyboard) without moving what is on screen.
 */
export function MessageList({ conversation, onDraft }: MessageListProps) {
  const parley = useParley();
  // The newest page, older ones on demand, live changes and my unsent messages (at the end).
  const timeline = useMessages(conversation.id);
  const { hasOlder } = timeline;
  const [loadingOlder, setLoadingOlder] = useState(false);
  const loadOlder = useRef(timeline.loadOlder);
  loadOlder.current = async () => {
    if (loadingOlder) return false;
    setLoadingOlder(true);
    try {
      return await timeline.loadOlder();
    } finally {
      setLoadingOlder(false);
    }
  };
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLLIElement>(null);
  const anchor = useRef({ first: '', height: 0, atBottom: true });
  const messages = timeline.messages.filter((m) => !m.local);
  const pending = timeline.messages.filter((m) => m.local);
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
    if (!el || !hasOlder) return;
    const observer = new IntersectionObserver(
      ([entry]) => entry?.isIntersecting && void loadOlder.current(),
      { root: scroller.current, rootMargin: '200px 0px 0px 0px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [hasOlder]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    anchor.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    anchor.current.height = el.scrollHeight;
  };

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} tabIndex={-1}>
      <ol className="message-list" aria-label="Messages">
        {hasOlder && (
          <li ref={top} className="load-older">
            <button
              type="button"
              className="link"
              disabled={loadingOlder}
              onClick={() => void loadOlder.current()}
            >
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        )}
        {timeline.loaded && !hasOlder && messages.length > 0 && (
          <li className="muted small center">Beginning of the conversation</li>
        )}
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} conversation={conversation} onDraft={onDraft} />
        ))}
        {pending.map((p) => {
          const outgoing = parley.messages
            .pending(conversation.id)
            .find((o) => o.clientMessageId === p.clientMessageId);
          return outgoing && <PendingItem key={p.clientMessageId} outgoing={outgoing} />;
        })}
      </ol>
    </div>
  );
}
