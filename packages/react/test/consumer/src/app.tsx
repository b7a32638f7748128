// The README's example, as an app outside the workspace writes it.

import { ParleyProvider, useMessages, useSendMessage, useTyping } from '@parley/react';
import { createParleyClient } from '@parley/sdk';
import { createRoot } from 'react-dom/client';

const parley = createParleyClient({ url: 'https://chat.example.com' });

function Chat({ conversationId }: { conversationId: string }) {
  const { messages, hasOlder, loadOlder } = useMessages(conversationId);
  const typing = useTyping(conversationId);
  const send = useSendMessage();
  return (
    <main>
      {hasOlder && (
        <button type="button" onClick={() => void loadOlder()}>
          Older
        </button>
      )}
      <ul>
        {messages.map((m) => (
          <li key={m.id}>{m.local === 'pending' ? `${m.text} (sending)` : m.text}</li>
        ))}
      </ul>
      {typing.length > 0 && <p>typing…</p>}
      <button type="button" onClick={() => send({ conversationId, text: 'Hello!' })}>
        Say hello
      </button>
    </main>
  );
}

export function mount(element: HTMLElement, conversationId: string) {
  createRoot(element).render(
    <ParleyProvider client={parley}>
      <Chat conversationId={conversationId} />
    </ParleyProvider>,
  );
}
