import { useConnectionState } from '@parley/react';

const TEXT: Record<string, string> = {
  connecting: 'Connecting…',
  reconnecting: 'Offline. Reconnecting… Messages you send now go out once you are back.',
  closed: 'Disconnected.',
};

/** The live connection's state; the region is always there so changes are announced. */
export function ConnectionBanner() {
  const status = useConnectionState().status;
  const text = TEXT[status];
  return (
    <div
      className={`banner ${text ? `banner-${status}` : 'banner-hidden'}`}
      role="status"
      aria-live="polite"
    >
      {text ?? ''}
    </div>
  );
}
