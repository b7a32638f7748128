import { useParley } from '@parley/react';
import type { Message } from '@parley/sdk';
import { type KeyboardEvent, useRef, useState } from 'react';
import { ReportPanel } from '../moderation/ReportPanel.tsx';
import { useUi, useUiStore } from '../state/ui-context.tsx';
import { Emoji } from '../ui/Emoji.tsx';
import { errorText } from '../ui/errors.ts';
import { useRovingFocus } from '../ui/roving.ts';
import type { Draft } from './draft.ts';
import { ForwardPanel } from './ForwardPanel.tsx';

const EMOJIS = ['👍', '❤️', '😂', '😮', '🎉'];

interface MessageActionsProps {
  message: Message;
  mine: boolean;
  onDraft: (draft: Draft) => void;
}

type Panel = 'none' | 'react' | 'delete' | 'forward' | 'report';

/**
 * Reply, react; for my own messages edit and delete (delete asks once more); for others'
 * messages report to the moderators. One Tab stop per message: the arrow keys move along the
 * toolbar. A panel that closes gives the focus back to the button that opened it; a deleted
 * message keeps it on its own row (now "Message deleted").
 */
export function MessageActions({ message, mine, onDraft }: MessageActionsProps) {
  const parley = useParley();
  const ui = useUiStore();
  const [panel, setPanel] = useState<Panel>('none');
  const bar = useRef<HTMLDivElement>(null);
  const roving = useRovingFocus(bar, ':scope > button');
  const toggles = useRef<Partial<Record<Panel, HTMLButtonElement | null>>>({});
  const toggle = (name: Panel) => (el: HTMLButtonElement | null) => {
    toggles.current[name] = el;
  };
  /** Closes the open panel; the focus goes back to the button that opened it. */
  const closePanel = () => {
    const opener = toggles.current[panel];
    setPanel('none');
    opener?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && panel !== 'none') {
      event.preventDefault();
      event.stopPropagation();
      closePanel();
      return;
    }
    roving.onKeyDown(event);
  };
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
    closePanel();
    // The store applies the change when its event arrives.
    call.catch((e) => setError(errorText(e)));
  };
  return (
    <div
      className="message-actions"
      role="toolbar"
      aria-label="Message actions"
      ref={bar}
      onKeyDown={onKeyDown}
      onFocus={roving.onFocus}
    >
      <button type="button" onClick={() => onDraft({ kind: 'reply', to: message })}>
        Reply
      </button>
      <button
        type="button"
        ref={toggle('react')}
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
        ref={toggle('forward')}
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
          <button
            type="button"
            ref={toggle('delete')}
            aria-expanded={panel === 'delete'}
            onClick={() => setPanel(panel === 'delete' ? 'none' : 'delete')}
          >
            Delete
          </button>
        </>
      )}
      {!mine && message.kind !== 'system' && !message.deletedAt && (
        <button
          type="button"
          ref={toggle('report')}
          aria-expanded={panel === 'report'}
          onClick={() => setPanel(panel === 'report' ? 'none' : 'report')}
        >
          Report
        </button>
      )}
      {panel === 'report' && (
        <ReportPanel
          targetType="message"
          targetId={message.id}
          title="this message"
          onClose={closePanel}
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
              <Emoji emoji={emoji} />
            </button>
          ))}
        </fieldset>
      )}
      {panel === 'forward' && <ForwardPanel message={message} onDone={closePanel} />}
      {panel === 'delete' && (
        <fieldset className="popover">
          <legend>Delete for everyone?</legend>
          <button
            type="button"
            className="danger"
            onClick={() => {
              // The toolbar goes with the message's text: its row keeps the focus.
              bar.current?.closest<HTMLElement>('li')?.focus();
              setPanel('none');
              // The store applies the change when its event arrives.
              parley.messages
                .delete({ messageId: message.id })
                .catch((e) => setError(errorText(e)));
            }}
          >
            Delete for everyone
          </button>
          <button type="button" onClick={closePanel}>
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
