import { useParley, useSession } from '@parley/react';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';

type Sessions = Awaited<ReturnType<ReturnType<typeof useParley>['users']['sessions']>>;

/** Privacy settings, blocked people, active sessions, data export and account deletion. */
export function PrivacyDialog({ onClose }: { onClose: () => void }) {
  const parley = useParley();
  const me = useSession()?.user;
  const [sessions, setSessions] = useState<Sessions>([]);
  const [blocks, setBlocks] = useState<{ id: string; name: string }[]>([]);
  const [password, setPassword] = useState('');
  const [note, setNote] = useState('');
  const reload = useCallback(async () => {
    const [s, b] = await Promise.all([parley.users.sessions(), parley.users.blocks()]);
    setSessions(s);
    setBlocks(b.map((x) => ({ id: x.user.id, name: x.user.displayName })));
  }, [parley]);
  useEffect(() => {
    void reload().catch(() => undefined);
  }, [reload]);
  const setPrivacy = useAction(async (patch: Parameters<typeof parley.users.updatePrivacy>[0]) => {
    await parley.users.updatePrivacy(patch);
    setNote('Privacy settings saved.');
  });
  const revoke = useAction(async (sessionId: string) => {
    await parley.users.revokeSession({ sessionId });
    await reload();
  });
  const unblock = useAction(async (userId: string) => {
    await parley.users.unblock({ userId });
    await reload();
  });
  const download = useAction(async () => {
    const data = await parley.users.export();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'parley-export.json';
    link.click();
    URL.revokeObjectURL(link.href);
    setNote('Your data was downloaded.');
  });
  const remove = useAction(async () => {
    const { reauthToken } = await parley.users.reauthenticate({ password });
    await parley.users.deleteAccount({ reauthToken });
  });
  const submitDelete = (event: FormEvent) => {
    event.preventDefault();
    void remove.run();
  };
  if (!me) return null;
  return (
    <Dialog title="Privacy and account" onClose={onClose}>
      <section className="stack" aria-label="Privacy">
        <label className="field">
          Who sees my last seen and online
          <select
            value={me.privacy.lastSeen}
            onChange={(e) =>
              void setPrivacy.run({ lastSeen: e.target.value as 'everyone' | 'nobody' })
            }
          >
            <option value="everyone">Everyone I chat with</option>
            <option value="nobody">Nobody</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={me.privacy.readReceipts}
            onChange={(e) => void setPrivacy.run({ readReceipts: e.target.checked })}
          />
          Send read receipts
        </label>
        <p role="status" className="muted small">
          {note}
        </p>
      </section>
      <section className="stack" aria-label="Blocked people">
        <h3>Blocked people</h3>
        {blocks.length === 0 && <p className="muted small">Nobody.</p>}
        <ul>
          {blocks.map((b) => (
            <li key={b.id}>
              {b.name}{' '}
              <button type="button" className="link" onClick={() => void unblock.run(b.id)}>
                Unblock {b.name}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="stack" aria-label="Sessions">
        <h3>Sessions</h3>
        <ul>
          {sessions.map((s, i) => (
            <li key={s.id}>
              Signed in {new Date(s.createdAt).toLocaleString()}{' '}
              <button type="button" className="link" onClick={() => void revoke.run(s.id)}>
                End session {i + 1}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => void download.run()}>
          Download my data
        </button>
      </section>
      <form className="stack" aria-label="Delete account" onSubmit={submitDelete}>
        <h3>Delete account</h3>
        <p className="muted small">
          Your profile, messages and files are erased; your groups carry on without you.
        </p>
        <label className="field">
          Password to confirm
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoComplete="current-password"
          />
        </label>
        <FormError
          message={
            remove.error ?? setPrivacy.error ?? revoke.error ?? unblock.error ?? download.error
          }
        />
        <button type="submit" className="danger" disabled={remove.busy}>
          Delete my account
        </button>
      </form>
    </Dialog>
  );
}
