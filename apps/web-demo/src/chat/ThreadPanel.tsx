import { useChatState, useSendMessage } from '@parley/react';
import { useState } from 'react';
import { useMe, useUi, useUiStore, useUsers } from '../state/ui-context.tsx';
import { MentionText } from './MentionText.tsx';
import { userName } from './names.ts';

const NONE: never[] = [];

/** A thread beside the chat: its root, its replies, and a reply box. */
export function ThreadPanel({ rootId }: { rootId: string }) {
  const ui = useUiStore();
  const send = useSendMessage();
  const me = useMe();
  const users = useUsers();
  const replies = useUi((s) => s.replies[rootId] ?? NONE);
  const root = useChatState((s) =>
    Object.values(s.timelines)
      .flatMap((t) => t.messages)
      .find((m) => m.id === rootId),
  );
  const [text, setText] = useState('');
  const [alsoSend, setAlsoSend] = useState(false);
  if (!root) return null;
  const submit = () => {
    const body = text.trim();
    if (!body) return;
    send({
      conversationId: root.conversationId,
      text: body,
      threadRootId: rootId,
      alsoSendToConversation: alsoSend,
    });
    setText('');
  };
  return (
    <aside className="thread-panel" aria-label="Thread">
      <header className="thread-header">
        <h3>Thread</h3>
        <button type="button" onClick={() => void ui.openThread(null)}>
          Close thread
        </button>
      </header>
      <div className="thread-root">
        <strong>{userName(users, root.senderId, me)}</strong>
        <MentionText message={root} users={users} me={me} />
      </div>
      <ol className="thread-replies" aria-label="Replies">
        {replies.map((m) => (
          <li key={m.id} className="thread-reply">
            <strong>{userName(users, m.senderId, me)}</strong>
            <MentionText message={m} users={users} me={me} />
          </li>
        ))}
      </ol>
      <form
        className="thread-composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label className="sr-only" htmlFor="thread-input">
          Reply in thread
        </label>
        <textarea
          id="thread-input"
          rows={1}
          value={text}
          placeholder="Reply…"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <label className="small">
          <input
            type="checkbox"
            checked={alsoSend}
            onChange={(e) => setAlsoSend(e.target.checked)}
          />{' '}
          Also send to conversation
        </label>
        <button type="submit" className="primary">
          Reply
        </button>
      </form>
    </aside>
  );
}
