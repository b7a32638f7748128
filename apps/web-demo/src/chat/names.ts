import type { Conversation, Message, User } from '@parley/sdk';

export function conversationName(conversation: Conversation): string {
  if (conversation.type === 'group') return conversation.title ?? 'Group';
  return conversation.peer?.displayName ?? 'Direct chat';
}

/** One line about a message, for previews and reply quotes. */
export function messageSummary(message: Message): string {
  if (message.deletedAt) return 'Message deleted';
  if (message.text) return message.text;
  const [first] = message.attachments;
  if (!first) return '';
  return first.contentType.startsWith('image/') ? `📷 ${first.name}` : `📎 ${first.name}`;
}

export function userName(users: Record<string, User>, userId: string, me: string): string {
  if (userId === me) return 'You';
  return users[userId]?.displayName ?? 'Someone';
}

/** "Ben is typing…", "Ben and Cy are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
}

export function timeLabel(iso: string): string {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}
