import { useChatState } from '@parley/react';
import { useMe, useUsers } from '../state/ui-context.tsx';
import { messageSummary, userName } from './names.ts';

/** Reads out the newest message from someone else (screen readers; visually hidden). */
export function IncomingAnnouncer({ conversationId }: { conversationId: string }) {
  const me = useMe();
  const last = useChatState((s) => s.timelines[conversationId]?.messages.at(-1));
  const users = useUsers();
  const text =
    last && last.senderId !== me && !last.deletedAt
      ? `${userName(users, last.senderId, me)}: ${messageSummary(last)}`
      : '';
  return (
    <div className="sr-only" aria-live="polite">
      {text}
    </div>
  );
}
