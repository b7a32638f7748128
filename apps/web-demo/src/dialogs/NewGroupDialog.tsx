import { useParley } from '@parley/react';
import type { User } from '@parley/sdk';
import { type FormEvent, useState } from 'react';
import { useUiStore } from '../state/ui-context.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';
import { PeoplePicker } from './PeoplePicker.tsx';

/** A named group with the people chosen; I become its first admin. */
export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const parley = useParley();
  const ui = useUiStore();
  const [name, setName] = useState('');
  const [members, setMembers] = useState<User[]>([]);
  const { run, busy, error } = useAction(async () => {
    const group = await parley.groups.create({ name, userIds: members.map((u) => u.id) });
    onClose();
    await ui.open(group);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run();
  };
  return (
    <Dialog title="New group" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Group name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <PeoplePicker label="Add people" picked={members} onChange={setMembers} />
        <FormError message={error} />
        <button type="submit" className="primary" disabled={busy}>
          Create group
        </button>
      </form>
    </Dialog>
  );
}
