import type { Conversation } from '@parley/sdk';
import { useState } from 'react';
import { useChatStore } from '../state/chat-context.tsx';
import { conversationName } from './names.ts';

/** "Archived chats": loaded when opened, each with a way back into the list. */
export function ArchivedList() {
  const store = useChatStore();
  const [items, setItems] = useState<Conversation[] | null>(null);
  const load = async () => setItems((await store.parley.conversations.listArchived({})).items);
  return (
    <details
      className="archived"
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open) void load();
      }}
    >
      <summary>Archived chats</summary>
      {items && items.length === 0 && <p className="muted pad">Nothing archived.</p>}
      <ul aria-label="Archived chats">
        {items?.map((c) => (
          <li key={c.id} className="archived-item">
            <span>{conversationName(c)}</span>
            <button
              type="button"
              className="link"
              aria-label={`Unarchive ${conversationName(c)}`}
              onClick={async () => {
                await store.organize(c.id, 'unarchive');
                await load();
              }}
            >
              Unarchive
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
