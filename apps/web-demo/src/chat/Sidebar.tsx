import { useConversations, useParley, useSession } from '@parley/react';
import { Avatar } from '../ui/Avatar.tsx';
import { ArchivedList } from './ArchivedList.tsx';
import { ConversationItem } from './ConversationItem.tsx';
import type { DialogName } from './dialog-name.ts';

/** Who I am, what I can start, and my conversations. */
export function Sidebar({ onOpen }: { onOpen: (dialog: DialogName) => void }) {
  const parley = useParley();
  const session = useSession();
  const { conversations, loaded } = useConversations();
  const me = session?.user;
  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        {/* Named by what it shows (my name) first, then what it opens. */}
        <button type="button" className="me" onClick={() => onOpen('profile')}>
          <Avatar name={me?.displayName ?? ''} fileId={me?.avatarFileId} />
          <span className="me-name">{me?.displayName}</span>
          <span className="sr-only"> profile</span>
        </button>
        <button type="button" className="link" onClick={() => onOpen('privacy')}>
          Privacy
        </button>
        <button type="button" className="link" onClick={() => void parley.auth.logout()}>
          Sign out
        </button>
      </header>
      <div className="actions">
        <button type="button" onClick={() => onOpen('newChat')}>
          New chat
        </button>
        <button type="button" onClick={() => onOpen('newGroup')}>
          New group
        </button>
        <button type="button" onClick={() => onOpen('broadcasts')}>
          Broadcasts
        </button>
      </div>
      {loaded && conversations.length === 0 && (
        <p className="muted pad">No conversations yet. Start one with “New chat”.</p>
      )}
      <ul className="conversation-list" aria-label="Conversation list">
        {conversations.map((c) => (
          <ConversationItem key={c.id} conversation={c} />
        ))}
      </ul>
      <ArchivedList />
    </nav>
  );
}
