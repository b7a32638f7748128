import { useConversations, useParley } from '@parley/react';
import type { Conversation } from '@parley/sdk';
import { useCallback, useEffect, useState } from 'react';
import { useUiStore } from '../state/ui-context.tsx';
import { conversationName } from './names.ts';

/** "Archived chats": loaded when opened, each with a way back into the list. */
export function ArchivedList() {
  const parley = useParley();
  const ui = useUiStore();
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [open, setOpen] = useState(false);
  // The main list changes when a chat is archived or comes back: reload while shown.
  const listed = useConversations().conversations.length;
  const load = useCallback(
    async () => setItems((await parley.conversations.listArchived({})).items),
    [parley],
  );
  useEffect(() => {
    if (open && listed >= 0) void load();
  }, [open, listed, load]);
  return (
    <details className="archived" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
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
                await ui.organize(c.id, 'unarchive');
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
