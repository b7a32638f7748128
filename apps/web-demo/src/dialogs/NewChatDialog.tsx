import { useParley } from '@parley/react';
import { useUiStore } from '../state/ui-context.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { focusNext } from '../ui/focus.ts';
import { useAction } from '../ui/use-action.ts';
import { UserSearch } from './UserSearch.tsx';

/** Finds someone and opens (or reopens) the direct chat with them. */
export function NewChatDialog({ onClose }: { onClose: () => void }) {
  const parley = useParley();
  const ui = useUiStore();
  const { run, error } = useAction(async (userId: string) => {
    const conversation = await parley.conversations.openDirect({ userId });
    // The chat opens ready to write in: its composer takes the focus, not "New chat".
    focusNext('composer-input');
    onClose();
    await ui.open(conversation);
  });
  return (
    <Dialog title="New chat" onClose={onClose}>
      <UserSearch actionLabel="Start chat" onPick={(user) => void run(user.id)} />
      <FormError message={error} />
    </Dialog>
  );
}
