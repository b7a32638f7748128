import { useChatState, useConversation } from '@parley/react';
import { useState } from 'react';
import { useUi } from '../state/ui-context.tsx';
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
  const conversation = useConversation(conversationId);
  const openThread = useUi((s) => s.openThread);
  const threadHere = useChatState(
    (s) => s.timelines[conversationId]?.messages.some((m) => m.id === openThread) ?? false,
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
