import { useConversations, useParley } from '@parley/react';
import type { Message } from '@parley/sdk';
import { useState } from 'react';
import { errorText } from '../ui/errors.ts';
import { conversationName } from './names.ts';

interface ForwardPanelProps {
  message: Message;
  onDone: () => void;
}

/** Pick conversations, forward once (one clientMessageId, so a retry never doubles). */
export function ForwardPanel({ message, onDone }: ForwardPanelProps) {
  const parley = useParley();
  const { conversations } = useConversations();
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [clientMessageId] = useState(() => crypto.randomUUID());
  const forward = () => {
    // The forwarded copies reach the timelines as live messages.
    parley.messages
      .forward({ messageId: message.id, conversationIds: chosen, clientMessageId })
      .then(
        () => onDone(),
        (e) => setError(errorText(e)),
      );
  };
  return (
    <fieldset className="popover forward-panel">
      <legend>Forward to</legend>
      {conversations.slice(0, 20).map((c) => (
        <label key={c.id} className="small">
          <input
            type="checkbox"
            checked={chosen.includes(c.id)}
            onChange={(e) =>
              setChosen((list) =>
                e.target.checked ? [...list, c.id] : list.filter((id) => id !== c.id),
              )
            }
          />{' '}
          {conversationName(c)}
        </label>
      ))}
      <button type="button" className="primary" disabled={chosen.length === 0} onClick={forward}>
        Forward
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
