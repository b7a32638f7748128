import { useConversation, useParley, useSendMessage } from '@parley/react';
import type { FileInfo } from '@parley/sdk';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useMe, useUsers } from '../state/ui-context.tsx';
import { errorText } from '../ui/errors.ts';
import { claimFocus } from '../ui/focus.ts';
import { DraftBar } from './DraftBar.tsx';
import type { Draft } from './draft.ts';
import { FilePicker } from './FilePicker.tsx';
import { MentionPicker } from './MentionPicker.tsx';
import { completeMention, mentionQuery, mentionRanges, type PickedMention } from './mentions.ts';

interface ComposerProps {
  conversationId: string;
  draft: Draft;
  onDraft: (draft: Draft) => void;
}

const DRAFT_SAVE_DELAY_MS = 400;

/** Enter sends (Shift+Enter: new line), Escape cancels a reply or an edit. */
export function Composer({ conversationId, draft, onDraft }: ComposerProps) {
  const parley = useParley();
  const send = useSendMessage();
  const me = useMe();
  const users = useUsers();
  // My draft of this chat, synced with my other devices (saved as I type, after a pause).
  const saved = useConversation(conversationId)?.draft?.text ?? '';
  const [text, setText] = useState(saved);
  const lastSaved = useRef(saved);
  const [files, setFiles] = useState<FileInfo[]>([]);
  // Uploads under way: sending now would go without them, so Send waits.
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<PickedMention[]>([]);
  const input = useRef<HTMLTextAreaElement>(null);
  const query = mentionQuery(text);

  // Opened from "New chat": this composer was asked to take the focus.
  useEffect(() => claimFocus('composer-input'), []);

  useEffect(() => {
    if (draft.kind === 'edit') {
      const { text: old, mentions } = draft.message;
      setText(old);
      // Keep the message's mentions while their `@name` stays in the text.
      setPicked(
        mentions.map((m) => ({
          userId: m.userId,
          name: old.slice(m.start + 1, m.start + m.length),
        })),
      );
    }
    if (draft.kind !== 'new') input.current?.focus();
  }, [draft]);

  // Texts this composer saved: their echoes (my own devices get every draft event) are not news.
  const mine = useRef(new Set<string>());
  const mode = draft.kind;
  useEffect(() => {
    // Saved on another device while I am not writing here: take it over.
    const fromElsewhere = saved !== lastSaved.current && !mine.current.has(saved);
    if (fromElsewhere && mode === 'new' && document.activeElement !== input.current) {
      setText(saved);
    }
    lastSaved.current = saved;
  }, [saved, mode]);

  useEffect(() => {
    if (mode === 'edit' || text === lastSaved.current) return;
    const timer = setTimeout(() => {
      lastSaved.current = text;
      mine.current.add(text);
      parley.conversations.saveDraft({ conversationId, text }).catch(() => undefined);
    }, DRAFT_SAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, mode, conversationId, parley]);

  const cancel = () => {
    if (draft.kind === 'edit') setText('');
    onDraft({ kind: 'new' });
    parley.typing(conversationId, false);
  };

  const submit = () => {
    const body = text.trim();
    setError(null);
    const mentions = mentionRanges(body, picked);
    setPicked([]);
    if (draft.kind === 'edit') {
      if (!body) return;
      // The store applies the edit when its event arrives.
      parley.messages
        .edit({ messageId: draft.message.id, text: body, mentions })
        .catch((e) => setError(errorText(e)));
    } else {
      if (!body && files.length === 0) return;
      if (uploading) {
        setError('Wait for the upload to finish, then send.');
        return;
      }
      const replyToId = draft.kind === 'reply' ? draft.to.id : null;
      // Optimistic: the timeline shows it at once, the outbox delivers it.
      send({
        conversationId,
        text: body,
        replyToId,
        attachments: files.map((f) => f.id),
        ...(mentions.length > 0 ? { mentions } : {}),
      });
      setFiles([]);
    }
    setText('');
    onDraft({ kind: 'new' });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && draft.kind !== 'new') {
      event.preventDefault();
      cancel();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <DraftBar draft={draft} users={users} me={me} onCancel={cancel} />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {query !== null && (
        <MentionPicker
          conversationId={conversationId}
          query={query}
          me={me}
          onPick={(m) => {
            setText(completeMention(text, m.name));
            setPicked((list) => [...list.filter((p) => p.userId !== m.userId), m]);
          }}
        />
      )}
      <div className="composer-row">
        {draft.kind !== 'edit' && (
          <FilePicker files={files} onFiles={setFiles} onError={setError} onBusy={setUploading} />
        )}
        <label className="sr-only" htmlFor="composer-input">
          {draft.kind === 'edit' ? 'Edit message' : 'Message'}
        </label>
        <textarea
          id="composer-input"
          ref={input}
          rows={1}
          value={text}
          placeholder="Write a message…"
          onChange={(e) => {
            setText(e.target.value);
            parley.typing(conversationId, e.target.value.length > 0);
          }}
          onKeyDown={onKeyDown}
        />
        <button
          type="submit"
          className="primary"
          disabled={uploading && draft.kind !== 'edit'}
          title={uploading && draft.kind !== 'edit' ? 'Wait for the upload to finish' : undefined}
        >
          {draft.kind === 'edit' ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}
