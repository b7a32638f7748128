import type { Message, User } from '@parley/sdk';
import { userName } from './names.ts';

interface MentionTextProps {
  message: Message;
  users: Record<string, User>;
  me: string;
}

/** A message's text with its mention ranges highlighted (yours stand out). */
export function MentionText({ message, users, me }: MentionTextProps) {
  if (message.mentions.length === 0) return <p className="text">{message.text}</p>;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const m of message.mentions) {
    if (m.start > at) parts.push(message.text.slice(at, m.start));
    const label = m.userId === 'everyone' ? 'everyone' : userName(users, m.userId, me);
    parts.push(
      <mark
        key={m.start}
        className={`mention${m.userId === me || m.userId === 'everyone' ? ' mention-me' : ''}`}
        title={label}
      >
        {message.text.slice(m.start, m.start + m.length)}
      </mark>,
    );
    at = m.start + m.length;
  }
  if (at < message.text.length) parts.push(message.text.slice(at));
  return <p className="text">{parts}</p>;
}
