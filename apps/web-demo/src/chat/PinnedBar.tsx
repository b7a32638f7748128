import { useUi } from '../state/ui-context.tsx';
import { messageSummary } from './names.ts';

const NONE: never[] = [];

/** The conversation's pinned messages, newest pin first. */
export function PinnedBar({ conversationId }: { conversationId: string }) {
  const pins = useUi((s) => s.pins[conversationId] ?? NONE);
  if (pins.length === 0) return null;
  return (
    <section className="pinned-bar" aria-label="Pinned messages">
      <span className="small muted">Pinned ({pins.length})</span>
      <ul>
        {pins.map((p) => (
          <li key={p.message.id}>{messageSummary(p.message)}</li>
        ))}
      </ul>
    </section>
  );
}
