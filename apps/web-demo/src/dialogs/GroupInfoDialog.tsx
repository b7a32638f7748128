import { useChatStore, useConversation, useMembers, useParley } from '@parley/react';
import { useMe } from '../state/ui-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { Dialog } from '../ui/Dialog.tsx';
import { FormError } from '../ui/FormError.tsx';
import { useAction } from '../ui/use-action.ts';
import { UserSearch } from './UserSearch.tsx';

/** Members and roles; admins add, remove and promote; anyone can leave. */
export function GroupInfoDialog({
  conversationId,
  onClose,
}: {
  conversationId: string;
  onClose: () => void;
}) {
  const store = useChatStore();
  const me = useMe();
  const { groups } = useParley();
  const group = useConversation(conversationId);
  const members = useMembers(conversationId);
  const admin = group?.myRole === 'admin';
  const groupId = conversationId;
  const { run, error } = useAction(async (change: () => Promise<unknown>) => {
    await change();
    await store.loadMembers(conversationId);
  });
  const leave = useAction(async () => {
    await groups.leave({ groupId });
    onClose();
    // The group leaves the list when the stream tells that I left.
  });
  if (!group) return null;
  return (
    <Dialog title={group.title ?? 'Group'} onClose={onClose}>
      <h3>{members.length === 1 ? '1 member' : `${members.length} members`}</h3>
      <ul className="member-list" aria-label="Members">
        {members.map((m) => {
          const self = m.user.id === me;
          const name = self ? `${m.user.displayName} (you)` : m.user.displayName;
          const next = m.role === 'admin' ? 'member' : 'admin';
          return (
            <li key={m.user.id} className="member">
              <Avatar name={m.user.displayName} fileId={m.user.avatarFileId} />
              <span className="member-name">{name}</span>
              <span className={`role role-${m.role}`}>{m.role}</span>
              {admin && !self && (
                <span className="member-actions">
                  <button
                    type="button"
                    // The visible text first, then whom it is about.
                    aria-label={`Make ${next}: ${m.user.displayName}`}
                    onClick={() =>
                      void run(() => groups.setRole({ groupId, userId: m.user.id, role: next }))
                    }
                  >
                    Make {next}
                  </button>
                  <button
                    type="button"
                    className="danger"
                    aria-label={`Remove ${m.user.displayName}`}
                    onClick={() =>
                      void run(() => groups.removeMember({ groupId, userId: m.user.id }))
                    }
                  >
                    Remove
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      {admin && (
        <UserSearch
          label="Add members"
          actionLabel="Add"
          exclude={members.map((m) => m.user.id)}
          onPick={(user) => void run(() => groups.addMembers({ groupId, userIds: [user.id] }))}
        />
      )}
      <FormError message={error ?? leave.error} />
      <button type="button" className="danger" onClick={() => void leave.run()}>
        Leave group
      </button>
    </Dialog>
  );
}
