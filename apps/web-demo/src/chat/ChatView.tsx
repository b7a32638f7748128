import { useState } from 'react';
import { useChat } from '../state/chat-context.tsx';
import { ChatHeader } from './ChatHeader.tsx';
import { Composer } from './Composer.tsx';
import type { DialogName } from './dialog-name.ts';
import type { Draft } from './draft.ts';
import { IncomingAnnouncer } from './IncomingAnnouncer.tsx';
import { MessageList } from './MessageList.tsx';
import { PinnedBar } from './PinnedBar.tsx';
import { ThreadPanel } from './ThreadPanel.tsx';

interface ChatViewProps {
  conversationId: string;
  onOpen: (dialog: DialogName) => void;
}

export function ChatView({ conversationId, onOpen }: ChatViewProps) {
  const conversation = useChat((s) => s.conversations.find((c) => c.id === conversationId));
  const openThread = useChat((s) => s.openThread);
  const threadHere = useChat(
    (s) => s.threads[conversationId]?.messages.some((m) => m.id === s.openThread) ?? false,
  );
  const [draft, setDraft] = useState<Draft>({ kind: 'new' });
  if (!conversation) return null;
  return (
    <div className="chat-with-thread">
      <section className="chat" aria-label="Chat">
        <ChatHeader conversation={conversation} onOpen={onOpen} />
        <PinnedBar conversationId={conversationId} />
        <MessageList conversation={conversation} onDraft={setDraft} />
        <IncomingAnnouncer conversationId={conversationId} />
        <Composer
          key={conversationId}
          conversationId={conversationId}
          draft={draft}
          onDraft={setDraft}
        />
      </section>
      {openThread && threadHere && <ThreadPanel rootId={openThread} />}
    </div>
  );
}
