import type { User } from '@parley/sdk';
import type { Draft } from './draft.ts';
import { messageSummary, userName } from './names.ts';

interface DraftBarProps {
  draft: Draft;
  users: Record<string, User>;
  me: string;
  onCancel: () => void;
}

/** "Replying to Ben: …" or "Editing message", with a way out (also Escape). */
export function DraftBar({ draft, users, me, onCancel }: DraftBarProps) {
  if (draft.kind === 'new') return null;
  const label =
    draft.kind === 'reply'
      ? `Replying to ${userName(users, draft.to.senderId, me)}: ${messageSummary(draft.to)}`
      : 'Editing message';
  return (
    <div className="draft-bar" role="status">
      <span>{label}</span>
      <button type="button" className="link" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
