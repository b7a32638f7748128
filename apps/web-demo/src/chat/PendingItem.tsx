import type { OutgoingMessage } from '@parley/sdk';
import { Tick } from './Tick.tsx';

/** A message of mine the server does not have yet: shown at once, with retry if it failed. */
export function PendingItem({ outgoing }: { outgoing: OutgoingMessage }) {
  const failed = outgoing.status === 'failed';
  const files = outgoing.attachments.length;
  return (
    <li className="message mine pending" aria-label={`You: ${outgoing.text}`}>
      <div className="bubble">
        {outgoing.text && <p className="text">{outgoing.text}</p>}
        {files > 0 && <p className="muted small">📎 {files === 1 ? '1 file' : `${files} files`}</p>}
        <p className="meta">
          {failed && <span className="form-error">{outgoing.error?.message} </span>}
          <Tick status={outgoing.status} />
        </p>
      </div>
      {failed && (
        <div className="message-actions visible">
          <button type="button" onClick={() => void outgoing.retry().catch(() => undefined)}>
            Retry
          </button>
          <button type="button" onClick={() => outgoing.discard()}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
