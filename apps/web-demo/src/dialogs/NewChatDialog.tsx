import { useChatStore } from '../state/chat-context.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { focusNext } from '../ui/focus.ts';
import { useAction } from '../ui/use-action.ts';
import { UserSearch } from './UserSearch.tsx';

/** Finds someone and opens (or reopens) the direct chat with them. */
export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const store = useChatStore();
  const { run, error } = useAction(async (userId: string) => {
    const conversation = await store.parley.conversations.openDirect({ userId });
    store.upsertConversation(conversation);
    // The chat opens ready to write in: its composer takes the focus, not "New chat".
    focusNext('composer-input');
    onClose();
    await store.select(conversation.id);
  });
  return (
    <Dialog title="New chat" onClose={onClose}>
      <UserSearch actionLabel="Start chat" onPick={(user) => void run(user.id)} />
      <FormError message={error} />
    </Dialog>
  );
}
