import { useParley } from '@parley/react';
import type { ReportsApi } from '@parley/sdk';
import { useEffect, useId, useRef, useState } from 'react';
import { errorText } from '../ui/errors.ts';

type Reason = Parameters<ReportsApi['create']>[0]['reason'];

const REASONS: { value: Reason; label: string }[] = [
  { value: 'spam', label: 'Spam' },
  { value: 'harassment', label: 'Harassment' },
  { value: 'hate', label: 'Hate speech' },
  { value: 'violence', label: 'Violence' },
  { value: 'sexual_content', label: 'Sexual content' },
  { value: 'self_harm', label: 'Self-harm' },
  { value: 'impersonation', label: 'Impersonation' },
  { value: 'illegal', label: 'Something illegal' },
  { value: 'other', label: 'Something else' },
];

interface ReportPanelProps {
  targetType: 'message' | 'user';
  targetId: string;
  /** "this message" or the person's name. */
  title: string;
  onClose: () => void;
}

/** Sends a report to the server's moderators: a reason from the fixed list, an optional note. */
export function ReportPanel({ targetType, targetId, title, onClose }: ReportPanelProps) {
  const parley = useParley();
  const id = useId();
  const [reason, setReason] = useState<Reason>('spam');
  const [comment, setComment] = useState('');
  const [state, setState] = useState<'editing' | 'sending' | 'sent'>('editing');
  const [error, setError] = useState<string | null>(null);
  const close = useRef<HTMLButtonElement>(null);
  // The confirmation takes the focus from the form it replaces (and keeps the actions open).
  useEffect(() => {
    if (state === 'sent') close.current?.focus();
  }, [state]);
  if (state === 'sent') {
    return (
      <div className="popover report-panel" role="status">
        Report sent. Thank you.
        <button type="button" ref={close} onClick={onClose}>
          Close
        </button>
      </div>
    );
  }
  const submit = () => {
    setState('sending');
    setError(null);
    parley.reports
      .create({ targetType, targetId, reason, ...(comment.trim() ? { comment } : {}) })
      .then(
        () => setState('sent'),
        (e) => {
          setState('editing');
          setError(errorText(e));
        },
      );
  };
  return (
    <form
      className="popover report-panel"
      aria-label={`Report ${title}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor={`${id}-reason`}>Reason</label>
      <select
        id={`${id}-reason`}
        value={reason}
        onChange={(e) => setReason(e.target.value as Reason)}
      >
        {REASONS.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-comment`}>Comment (optional)</label>
      <input
        id={`${id}-comment`}
        value={comment}
        maxLength={1000}
        onChange={(e) => setComment(e.target.value)}
      />
      <button type="submit" className="danger" disabled={state === 'sending'}>
        Send report
      </button>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      {error && (
        <p className="form-error full-width" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
