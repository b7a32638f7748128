import type { OutgoingStatus } from '@parley/sdk';

const LABELS: Record<OutgoingStatus, string> = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};
const MARKS: Record<OutgoingStatus, string> = {
  pending: '🕓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '!',
};

/** Where my message got to: sending, sent, delivered, read (blue), or not sent. */
export function Tick({ status }: { status: OutgoingStatus }) {
  return (
    <span
      className={`tick tick-${status}`}
      role="img"
      aria-label={LABELS[status]}
      title={LABELS[status]}
    >
      {MARKS[status]}
    </span>
  );
}
