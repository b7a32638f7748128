import { useConversation, useMembers } from '@parley/react';
import type { PickedMention } from './mentions.ts';

interface MentionPickerProps {
  conversationId: string;
  query: string;
  me: string;
  onPick: (mention: PickedMention) => void;
}

/** The members matching the `@word` being typed; "everyone" in groups. */
export function MentionPicker({ conversationId, query, me, onPick }: MentionPickerProps) {
  const members = useMembers(conversationId);
  const isGroup = useConversation(conversationId)?.type === 'group';
  const q = query.toLowerCase();
  const options: PickedMention[] = members
    .filter((p) => p.user.id !== me && p.user.displayName.toLowerCase().includes(q))
    .map((p) => ({ userId: p.user.id, name: p.user.displayName }));
  if (isGroup && 'everyone'.startsWith(q)) options.push({ userId: 'everyone', name: 'everyone' });
  if (options.length === 0) return null;
  return (
    <ul className="mention-picker" aria-label="Mention someone">
      {options.slice(0, 6).map((o) => (
        <li key={o.userId}>
          <button
            type="button"
            onMouseDown={(e) => {
              // Keep the textarea's focus.
              e.preventDefault();
              onPick(o);
            }}
          >
            @{o.name}
          </button>
        </li>
      ))}
    </ul>
  );
}
