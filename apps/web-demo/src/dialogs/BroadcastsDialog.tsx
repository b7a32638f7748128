import { useParley } from '@parley/react';
import type { Broadcast, User } from '@parley/sdk';
import { type FormEvent, useEffect, useState } from 'react';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';
import { BroadcastSendForm } from './BroadcastSendForm.tsx';
import { PeoplePicker } from './PeoplePicker.tsx';

/** My broadcast lists: create one, and send a message to everyone on it. */
export function BroadcastsDialog({ onClose }: { onClose: () => void }) {
  const parley = useParley();
  const [lists, setLists] = useState<Broadcast[] | null>(null);
  const [name, setName] = useState('');
  const [recipients, setRecipients] = useState<User[]>([]);
  const load = useAction(async () => setLists((await parley.broadcasts.list()).items));
  const create = useAction(async () => {
    const list = await parley.broadcasts.create({
      name,
      recipientIds: recipients.map((u) => u.id),
    });
    setLists((current) => [list, ...(current ?? [])]);
    setName('');
    setRecipients([]);
  });
  // Once, when the dialog opens.
  useEffect(() => {
    void load.run();
  }, []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <Dialog title="Broadcast lists" onClose={onClose}>
      <p className="muted small">
        Each person on a list gets your message in their own chat with you.
      </p>
      <ul className="broadcast-lists" aria-label="Your lists">
        {lists?.map((list) => (
          <li key={list.id} className="broadcast">
            <h3>{list.name}</h3>
            <p className="muted small">{list.recipientIds.length} recipients</p>
            <BroadcastSendForm list={list} />
          </li>
        ))}
        {lists?.length === 0 && <li className="muted">No lists yet.</li>}
      </ul>
      <FormError message={load.error} />
      <form className="stack new-broadcast" onSubmit={submit} aria-label="New list">
        <h3>New list</h3>
        <label className="field">
          List name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <PeoplePicker label="Recipients" picked={recipients} onChange={setRecipients} />
        <FormError message={create.error} />
        <button type="submit" className="primary" disabled={create.busy || recipients.length === 0}>
          Create list
        </button>
      </form>
    </Dialog>
  );
}
