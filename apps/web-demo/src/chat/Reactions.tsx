import type { Message } from '@parley/sdk';
import { useChatStore } from '../state/chat-context.tsx';

/** Reaction counts; pressing one adds or takes back mine. */
export function Reactions({ message }: { message: Message }) {
  const store = useChatStore();
  if (message.reactions.length === 0) return null;
  const toggle = (emoji: string, mine: boolean) => {
    const call = mine ? store.parley.messages.unreact : store.parley.messages.react;
    call({ messageId: message.id, emoji }).then(
      (m) => store.putMessage(m),
      () => undefined,
    );
  };
  return (
    <ul className="reactions" aria-label="Reactions">
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
              {r.emoji} {r.count}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
