import type { Conversation } from '@parley/sdk';
import { useChat, useChatStore } from '../state/chat-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import type { DialogName } from './ChatApp.tsx';
import { conversationName, typingText, userName } from './names.ts';

const NOBODY: string[] = [];

/** Name, presence or typing, and (narrow screens) the way back to the list. */
export function ChatHeader({
  conversation,
  onOpen,
}: {
  conversation: Conversation;
  onOpen: (dialog: DialogName) => void;
}) {
  const store = useChatStore();
  const typing = useChat((s) => s.typing[conversation.id] ?? NOBODY);
  const users = useChat((s) => s.users);
  const members = useChat((s) => s.participants[conversation.id]);
  const peer = conversation.peer;
  const online = useChat((s) => (peer ? s.online[peer.id] : undefined));
  const name = conversationName(conversation);
  const group = conversation.type === 'group';
  const status = typing.length
    ? typingText(typing.map((id) => userName(users, id, store.me)))
    : group
      ? `${members?.length ?? '…'} members`
      : online
        ? 'online'
        : 'offline';
  return (
    <header className="chat-header">
      <button
        type="button"
        className="icon-button back"
        aria-label="Back to conversations"
        onClick={() => void store.select(null)}
      >
        ←
      </button>
      <Avatar name={name} fileId={peer?.avatarFileId} online={online} />
      <div className="chat-title">
        <h2>{name}</h2>
        <p className="muted small" aria-live="polite">
          {status}
        </p>
      </div>
      {group && (
        <button type="button" onClick={() => onOpen('groupInfo')}>
          Group info
        </button>
      )}
    </header>
  );
}
