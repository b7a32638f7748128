import { useParley } from '@parley/react';
import type { Message } from '@parley/sdk';
import { useMe } from '../state/ui-context.tsx';

/** Reaction counts; pressing one adds or takes back mine. */
export function Reactions({ message }: { message: Message }) {
  const parley = useParley();
  const me = useMe();
  if (message.reactions.length === 0) return null;
  const toggle = (emoji: string, mine: boolean) => {
    // The store applies the change when its event arrives.
    const call = mine ? parley.messages.unreact : parley.messages.react;
    call({ messageId: message.id, emoji }).catch(() => undefined);
  };
  return (
    <ul className="reactions" aria-label="Reactions">
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
              {r.emoji} {r.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
