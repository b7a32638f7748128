import { useParley } from '@parley/react';
import type { Message } from '@parley/sdk';
import { useRef } from 'react';
import { useMe } from '../state/ui-context.tsx';
import { Emoji } from '../ui/Emoji.tsx';
import { useRovingFocus } from '../ui/roving.ts';

/** Reaction counts; pressing one adds or takes back mine. One Tab stop, arrow keys between. */
export function Reactions({ message }: { message: Message }) {
  const parley = useParley();
  const me = useMe();
  const list = useRef<HTMLUListElement>(null);
  const roving = useRovingFocus(list, 'button');
  if (message.reactions.length === 0) return null;
  const toggle = (emoji: string, mine: boolean) => {
    // The store applies the change when its event arrives.
    const call = mine ? parley.messages.unreact : parley.messages.react;
    call({ messageId: message.id, emoji }).catch(() => undefined);
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
        const mine = r.userIds.includes(me);
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
