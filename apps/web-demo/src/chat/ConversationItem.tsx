import { usePresence, useTyping } from '@parley/react';
import type { Conversation } from '@parley/sdk';
import { useMe, useUi, useUiStore, useUsers } from '../state/ui-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { conversationName, messageSummary, timeLabel, typingText, userName } from './names.ts';

/** One row of the list: picture and presence, name, last message or typing, unread badge. */
export function ConversationItem({ conversation }: { conversation: Conversation }) {
  const ui = useUiStore();
  const me = useMe();
  const active = useUi((s) => s.activeId === conversation.id);
  const typing = useTyping(conversation.id);
  const users = useUsers();
  const peerOnline = usePresence(conversation.peer?.id ?? '')?.online;
  const name = conversationName(conversation);
  const last = conversation.lastMessage;
  const typingLine = typingText(typing.map((id) => userName(users, id, me)));
  const sender = last && last.senderId === me && last.kind !== 'system' ? 'You: ' : '';
  return (
    <li>
      <button
        type="button"
        className="conversation-item"
        aria-current={active ? 'true' : undefined}
        onClick={() => void ui.select(conversation.id)}
      >
        <Avatar
          name={name}
          fileId={conversation.peer?.avatarFileId ?? conversation.avatarFileId}
          online={peerOnline ?? undefined}
        />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-name">
              {conversation.pinnedAt && <span className="sr-only">Pinned: </span>}
              {name}
              {conversation.pinnedAt && (
                <span className="pin-badge" aria-hidden="true">
                  pinned
                </span>
              )}
            </span>
            {last && <span className="muted small">{timeLabel(last.createdAt)}</span>}
          </span>
          <span className="conversation-bottom">
            {typingLine ? (
              <span className="typing-preview">{typingLine}</span>
            ) : conversation.draft && !active ? (
              <span className="preview">
                <span className="draft-label">Draft:</span> {conversation.draft.text}
              </span>
            ) : (
              <span className="preview">
                {last ? sender + messageSummary(last) : 'No messages yet'}
              </span>
            )}
            {conversation.unreadCount > 0 && (
              <span className="badge">
                {conversation.unreadCount}
                <span className="sr-only"> unread</span>
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}
