import { useChat, useChatStore } from '../state/chat-context.tsx';
import { messageSummary, userName } from './names.ts';

/** Reads out the newest message from someone else (screen readers; visually hidden). */
export function IncomingAnnouncer({ conversationId }: { conversationId: string }) {
  const store = useChatStore();
  const last = useChat((s) => s.threads[conversationId]?.messages.at(-1));
  const users = useChat((s) => s.users);
  const text =
    last && last.senderId !== store.me && !last.deletedAt
      ? `${userName(users, last.senderId, store.me)}: ${messageSummary(last)}`
      : '';
  return (
    <div className="sr-only" aria-live="polite">
      {text}
    </div>
  );
}
