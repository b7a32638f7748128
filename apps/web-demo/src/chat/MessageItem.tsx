import { useChatState, useMembers } from '@parley/react';
import type { Conversation, Message, Participant } from '@parley/sdk';
import { useBlocked } from '../state/blocks.tsx';
import { useMe, useUiStore, useUsers } from '../state/ui-context.tsx';
import { Attachment } from './Attachment.tsx';
import type { Draft } from './draft.ts';
import { LinkPreview } from './LinkPreview.tsx';
import { MentionText } from './MentionText.tsx';
import { MessageActions } from './MessageActions.tsx';
import { messageSummary, timeLabel, userName } from './names.ts';
import { Reactions } from './Reactions.tsx';
import { Tick } from './Tick.tsx';

/** "Read by N of M": the other members whose read watermark (moved by live receipts) passed it. */
function readBy(message: Message, members: readonly Participant[], me: string): string {
  const others = members.filter((p) => p.user.id !== me);
  const read = others.filter((p) => p.lastReadSeq >= message.seq).length;
  return `Read by ${read} of ${others.length}`;
}

interface MessageItemProps {
  message: Message;
  conversation: Conversation;
  onDraft: (draft: Draft) => void;
}

/** One message: sender (groups), reply quote, text or tombstone, files, reactions, ticks. */
export function MessageItem({ message, conversation, onDraft }: MessageItemProps) {
  const ui = useUiStore();
  const me = useMe();
  const users = useUsers();
  const members = useMembers(conversation.id);
  const quoted = useChatState((s) =>
    message.replyToId
      ? s.timelines[conversation.id]?.messages.find((m) => m.id === message.replyToId)
      : undefined,
  );
  const blocked = useBlocked();
  if (message.kind === 'system') {
    return <li className="system-message">{message.text}</li>;
  }
  const mine = message.senderId === me;
  // Group messages from someone I blocked still arrive; they are collapsed here.
  if (!mine && blocked.has(message.senderId)) {
    return (
      <li className="message theirs">
        <div className="bubble">
          <p className="tombstone">Message from a blocked user</p>
        </div>
      </li>
    );
  }
  const sender = userName(users, message.senderId, me);
  const deleted = message.deletedAt !== null;
  return (
    <li
      className={`message ${mine ? 'mine' : 'theirs'}`}
      // Focusable from script only: where the focus stays when the message is deleted.
      tabIndex={-1}
      aria-label={`${sender}: ${deleted ? 'Message deleted' : messageSummary(message)}`}
    >
      <div className="bubble">
        {conversation.type === 'group' && !mine && <p className="sender">{sender}</p>}
        {message.replyToId && (
          <blockquote className="reply-quote">
            <span className="sr-only">In reply to </span>
            {quoted ? (
              <>
                <strong>{userName(users, quoted.senderId, me)}</strong> {messageSummary(quoted)}
              </>
            ) : (
              'an earlier message'
            )}
          </blockquote>
        )}
        {message.forwarded && <p className="forwarded small muted">Forwarded</p>}
        {deleted ? (
          <p className="tombstone">Message deleted</p>
        ) : (
          message.text && <MentionText message={message} users={users} me={me} />
        )}
        {!deleted && message.linkPreview && <LinkPreview preview={message.linkPreview} />}
        {message.attachments.map((file) => (
          <Attachment key={file.id} file={file} />
        ))}
        <p className="meta">
          {message.editedAt && !deleted && <span>edited · </span>}
          <time dateTime={message.createdAt}>{timeLabel(message.createdAt)}</time>
          {mine && !deleted && <Tick status={message.status ?? 'sent'} />}
          {mine && !deleted && conversation.type === 'group' && members.length > 0 && (
            <span className="read-by"> · {readBy(message, members, me)}</span>
          )}
        </p>
      </div>
      {message.thread && (
        <button
          type="button"
          className="link thread-link"
          onClick={() => void ui.openThread(message.id)}
        >
          {message.thread.replyCount} {message.thread.replyCount === 1 ? 'reply' : 'replies'}
        </button>
      )}
      {!deleted && <Reactions message={message} />}
      {!deleted && <MessageActions message={message} mine={mine} onDraft={onDraft} />}
    </li>
  );
}
