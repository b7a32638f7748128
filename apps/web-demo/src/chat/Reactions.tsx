import type { Message } from '@parley/sdk';
import { useRef } from 'react';
import { useChatStore } from '../state/chat-context.tsx';
import { Emoji } from '../ui/Emoji.tsx';
import { useRovingFocus } from '../ui/roving.ts';

/** Reaction counts; pressing one adds or takes back mine. One Tab stop, arrow keys between. */
export function Reactions({ message }: { message: Message }) {
  const store = useChatStore();
  const list = useRef<HTMLUListElement>(null);
  const roving = useRovingFocus(list, 'button');
  if (message.reactions.length === 0) return null;
  const toggle = (emoji: string, mine: boolean) => {
    const call = mine ? store.parley.messages.unreact : store.parley.messages.react;
    call({ messageId: message.id, emoji }).then(
      (m) => store.putMessage(m),
      () => undefined,
    );
  };
  return (
    <ul
      className="reactions"
      aria-label="Reactions"
      ref={list}
      onKeyDown={roving.onKeyDown}
      onFocus={roving.onFocus}
    >
      {message.reactions.map((r) => {
        const mine = r.userIds.includes(store.me);
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className="reaction"
              aria-pressed={mine}
              aria-label={`${r.emoji} ${r.count}`}
              onClick={() => toggle(r.emoji, mine)}
            >
              <Emoji emoji={r.emoji} /> {r.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
