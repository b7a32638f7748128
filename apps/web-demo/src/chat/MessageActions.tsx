import { useParley } from '@parley/react';
import type { Message } from '@parley/sdk';
import { useState } from 'react';
import { ReportPanel } from '../moderation/ReportPanel.tsx';
import { useUi, useUiStore } from '../state/ui-context.tsx';
import { errorText } from '../ui/errors.ts';
import type { Draft } from './draft.ts';
import { ForwardPanel } from './ForwardPanel.tsx';

const EMOJIS = ['👍', '❤️', '😂', '😮', '🎉'];

interface MessageActionsProps {
  message: Message;
  mine: boolean;
  onDraft: (draft: Draft) => void;
}

/**
 * Reply, react; for my own messages edit and delete (delete asks once more); for others'
 * messages report to the moderators.
 */
export function MessageActions({ message, mine, onDraft }: MessageActionsProps) {
  const parley = useParley();
  const ui = useUiStore();
  const [panel, setPanel] = useState<'none' | 'react' | 'delete' | 'forward' | 'report'>('none');
  const pinned = useUi((s) =>
    (s.pins[message.conversationId] ?? []).some((p) => p.message.id === message.id),
  );
  const pin = () => {
    setPanel('none');
    const call = pinned
      ? parley.messages.unpin({ messageId: message.id })
      : parley.messages.pin({ messageId: message.id });
    call.then(
      () => ui.loadPins(message.conversationId),
      (e) => setError(errorText(e)),
    );
  };
  const [error, setError] = useState<string | null>(null);
  const run = (call: Promise<Message>) => {
    setPanel('none');
    // The store applies the change when its event arrives.
    call.catch((e) => setError(errorText(e)));
  };
  return (
    <div className="message-actions" role="toolbar" aria-label="Message actions">
      <button type="button" onClick={() => onDraft({ kind: 'reply', to: message })}>
        Reply
      </button>
      <button
        type="button"
        aria-expanded={panel === 'react'}
        onClick={() => setPanel(panel === 'react' ? 'none' : 'react')}
      >
        React
      </button>
      {!message.threadRootId && (
        <button type="button" onClick={() => void ui.openThread(message.id)}>
          Reply in thread
        </button>
      )}
      <button type="button" onClick={pin}>
        {pinned ? 'Unpin' : 'Pin'}
      </button>
      <button
        type="button"
        aria-expanded={panel === 'forward'}
        onClick={() => setPanel(panel === 'forward' ? 'none' : 'forward')}
      >
        Forward
      </button>
      {mine && (
        <>
          <button type="button" onClick={() => onDraft({ kind: 'edit', message })}>
            Edit
          </button>
          <button type="button" onClick={() => setPanel(panel === 'delete' ? 'none' : 'delete')}>
            Delete
          </button>
        </>
      )}
      {!mine && message.kind !== 'system' && !message.deletedAt && (
        <button type="button" onClick={() => setPanel(panel === 'report' ? 'none' : 'report')}>
          Report
        </button>
      )}
      {panel === 'report' && (
        <ReportPanel
          targetType="message"
          targetId={message.id}
          title="this message"
          onClose={() => setPanel('none')}
        />
      )}
      {panel === 'react' && (
        <fieldset className="popover">
          <legend className="sr-only">Pick a reaction</legend>
          {EMOJIS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              aria-label={`React with ${emoji}`}
              onClick={() => run(parley.messages.react({ messageId: message.id, emoji }))}
            >
              {emoji}
            </button>
          ))}
        </fieldset>
      )}
      {panel === 'forward' && <ForwardPanel message={message} onDone={() => setPanel('none')} />}
      {panel === 'delete' && (
        <fieldset className="popover">
          <legend>Delete for everyone?</legend>
          <button
            type="button"
            className="danger"
            onClick={() => run(parley.messages.delete({ messageId: message.id }))}
          >
            Delete for everyone
          </button>
          <button type="button" onClick={() => setPanel('none')}>
            Cancel
          </button>
        </fieldset>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
