import { useParley, useSession } from '@parley/react';
import { type FormEvent, useState } from 'react';
import { Avatar } from '../ui/Avatar.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';

/** My name, about line and picture. */
export function ProfileDialog({ onClose }: { onClose: () => void }) {
  const parley = useParley();
  const me = useSession()?.user;
  const [displayName, setDisplayName] = useState(me?.displayName ?? '');
  const [about, setAbout] = useState(me?.about ?? '');
  const [saved, setSaved] = useState('');
  const save = useAction(async () => {
    await parley.users.updateMe({ displayName, about });
    setSaved('Profile saved.');
  });
  const avatar = useAction(async (file: File) => {
    const uploaded = await parley.files.upload(file);
    await parley.users.updateMe({ avatarFileId: uploaded.id });
    setSaved('Picture updated.');
  });
  const removeAvatar = useAction(() => parley.users.updateMe({ avatarFileId: null }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  if (!me) return null;
  return (
    <Dialog title="Your profile" onClose={onClose}>
      <div className="profile-picture">
        <Avatar name={me.displayName} fileId={me.avatarFileId} size="large" />
        <label className="button">
          Change picture
          <input
            type="file"
            accept="image/*"
            className="sr-only"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void avatar.run(file);
              e.target.value = '';
            }}
          />
        </label>
        {me.avatarFileId && (
          <button type="button" className="link" onClick={() => void removeAvatar.run()}>
            Remove picture
          </button>
        )}
      </div>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          Name
          <input
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            required
            maxLength={64}
          />
        </label>
        <label className="field">
          About
          <input value={about} onChange={(e) => setAbout(e.target.value)} maxLength={200} />
        </label>
        <p className="muted small">{me.email}</p>
        <FormError message={save.error ?? avatar.error ?? removeAvatar.error} />
        <p role="status" className="muted small">
          {saved}
        </p>
        <button type="submit" className="primary" disabled={save.busy}>
          Save
        </button>
      </form>
    </Dialog>
  );
}
