import { useMembers, useParley, usePresence, useTyping } from '@parley/react';
import type { Conversation } from '@parley/sdk';
import { useState } from 'react';
import { ReportPanel } from '../moderation/ReportPanel.tsx';
import { useBlocked } from '../state/blocks.tsx';
import { useMe, useUiStore, useUsers } from '../state/ui-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { useAction } from '../ui/use-action.ts';
import type { DialogName } from './dialog-name.ts';
import { conversationName, typingText, userName } from './names.ts';

const memberCount = (n: number | undefined) =>
  n === undefined ? 'members' : n === 1 ? '1 member' : `${n} members`;

/** Name, presence or typing, and (narrow screens) the way back to the list. */
export function ChatHeader({
  conversation,
  onOpen,
}: {
  conversation: Conversation;
  onOpen: (dialog: DialogName) => void;
}) {
  const ui = useUiStore();
  const me = useMe();
  const parley = useParley();
  const blockedIds = useBlocked();
  const typing = useTyping(conversation.id);
  const users = useUsers();
  const members = useMembers(conversation.id);
  const peer = conversation.peer;
  const online = usePresence(peer?.id ?? '')?.online;
  const name = conversationName(conversation);
  const group = conversation.type === 'group';
  const [reporting, setReporting] = useState(false);
  const blocked = peer ? blockedIds.has(peer.id) : false;
  const toggleBlock = useAction(async () => {
    if (!peer) return;
    if (blocked) await parley.users.unblock({ userId: peer.id });
    else await parley.users.block({ userId: peer.id });
  });
  const status = blocked
    ? 'blocked'
    : typing.length
      ? typingText(typing.map((id) => userName(users, id, me)))
      : group
        ? memberCount(members.length || undefined)
        : online
          ? 'online'
          : 'offline';
  return (
    <header className="chat-header">
      <button
        type="button"
        className="icon-button back"
        aria-label="Back to conversations"
        onClick={() => void ui.select(null)}
      >
        ←
      </button>
      <Avatar
        name={name}
        fileId={peer?.avatarFileId ?? conversation.avatarFileId}
        online={online}
      />
      <div className="chat-title">
        <h2>{name}</h2>
        <p className="muted small" aria-live="polite">
          {status}
        </p>
      </div>
      <button
        type="button"
        onClick={() => void ui.organize(conversation.id, conversation.pinnedAt ? 'unpin' : 'pin')}
      >
        {conversation.pinnedAt ? 'Unpin' : 'Pin'}
      </button>
      <button type="button" onClick={() => void ui.organize(conversation.id, 'archive')}>
        Archive
      </button>
      {group && (
        <button type="button" onClick={() => onOpen('groupInfo')}>
          Group info
        </button>
      )}
      {peer && (
        <button type="button" disabled={toggleBlock.busy} onClick={() => void toggleBlock.run()}>
          {blocked ? 'Unblock' : 'Block'}
        </button>
      )}
      {peer && (
        <button type="button" onClick={() => setReporting(!reporting)} aria-expanded={reporting}>
          Report {peer.displayName}
        </button>
      )}
      {peer && reporting && (
        <ReportPanel
          targetType="user"
          targetId={peer.id}
          title={peer.displayName}
          onClose={() => setReporting(false)}
        />
      )}
    </header>
  );
}
