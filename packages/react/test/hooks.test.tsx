// @vitest-environment happy-dom
import { createParleyClient, type ParleyClient } from '@parley/sdk';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  ParleyProvider,
  useConnectionState,
  useConversation,
  useConversations,
  useMembers,
  useMessages,
  usePresence,
  useSendMessage,
  useTyping,
  useUpload,
} from '../src/index.ts';

// The real server, started by test/global-setup.ts.
const url = inject('parleyUrl');
let counter = 0;

async function signedUp(name: string): Promise<ParleyClient> {
  counter += 1;
  const parley = createParleyClient({
    url,
    WebSocket: WebSocket as never,
    backoff: { minDelayMs: 20, maxDelayMs: 200 },
  });
  await parley.auth.register({
    email: `${name.toLowerCase()}.${process.pid}.${counter}@example.com`,
    password: `pw-${name}-long-enough`,
    displayName: name,
  });
  return parley;
}

function Chat({ id }: { id: string }) {
  const connection = useConnectionState();
  const { conversations } = useConversations();
  const conversation = useConversation(id);
  const { messages, hasOlder, loadOlder } = useMessages(id);
  const typing = useTyping(id);
  const members = useMembers(id);
  const peer = usePresence(conversation?.peer?.id ?? '');
  const send = useSendMessage();
  return (
    <main>
      <p data-testid="connection">{connection.status}</p>
      <p data-testid="list">
        {conversations.map((c) => `${c.peer?.displayName}:${c.unreadCount}`)}
      </p>
      <p data-testid="members">
        {members
          .map((m) => m.user.displayName)
          .sort()
          .join(',')}
      </p>
      <p data-testid="typing">{typing.length ? 'typing' : 'quiet'}</p>
      <p data-testid="presence">{peer?.online ? 'online' : 'offline'}</p>
      <ol>
        {messages.map((m) => (
          <li key={m.id}>{`${m.text}${m.local ? ` (${m.local})` : ''}`}</li>
        ))}
      </ol>
      {hasOlder && (
        <button type="button" onClick={() => void loadOlder()}>
          Older
        </button>
      )}
      <button type="button" onClick={() => send({ conversationId: id, text: 'hi Ben' })}>
        Send
      </button>
    </main>
  );
}

function Uploader() {
  const { upload, progress, file } = useUpload();
  return (
    <div>
      <button type="button" onClick={() => void upload(new Uint8Array(300_000), { name: 'a.bin' })}>
        Upload
      </button>
      <p data-testid="progress">{progress ? `${progress.loaded}/${progress.total}` : 'none'}</p>
      <p data-testid="file">{file?.name ?? 'none'}</p>
    </div>
  );
}

const texts = () => screen.queryAllByRole('listitem').map((li) => li.textContent);

afterEach(cleanup);

describe('@parley/react hooks in a DOM, against the real server', () => {
  it('lists, pages, follows live messages, typing and presence, and sends', async () => {
    const ada = await signedUp('Ada');
    const ben = await signedUp('Ben');
    try {
      const chat = await ben.conversations.openDirect({ userId: ada.session!.user.id });
      for (const text of ['one', 'two', 'three']) {
        await ben.messages.send({ conversationId: chat.id, text }).sent;
      }
      render(
        <ParleyProvider client={ada} storeOptions={{ pageSize: 2 }}>
          <Chat id={chat.id} />
        </ParleyProvider>,
      );
      await vi.waitFor(() =>
        expect(screen.getByTestId('connection').textContent).toBe('connected'),
      );
      await vi.waitFor(() => expect(texts()).toEqual(['two', 'three']));
      await vi.waitFor(() => expect(screen.getByTestId('list').textContent).toBe('Ben:3'));
      await vi.waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('online'));
      expect(screen.getByTestId('members').textContent).toBe('Ada,Ben');

      fireEvent.click(screen.getByRole('button', { name: 'Older' }));
      await vi.waitFor(() => expect(texts()).toEqual(['one', 'two', 'three']));
      expect(screen.queryByRole('button', { name: 'Older' })).toBeNull();

      ben.typing(chat.id);
      await vi.waitFor(() => expect(screen.getByTestId('typing').textContent).toBe('typing'));
      await ben.messages.send({ conversationId: chat.id, text: 'four' }).sent;
      await vi.waitFor(() => expect(texts()).toEqual(['one', 'two', 'three', 'four']));
      expect(screen.getByTestId('typing').textContent).toBe('quiet');
      expect(screen.getByTestId('list').textContent).toBe('Ben:4');

      const received = new Promise<string>((resolve) => ben.on('message', (m) => resolve(m.text)));
      act(() => fireEvent.click(screen.getByRole('button', { name: 'Send' })));
      expect(texts().at(-1)).toBe('hi Ben (pending)'); // optimistic, at once
      expect(await received).toBe('hi Ben');
      await vi.waitFor(() => expect(texts().at(-1)).toBe('hi Ben'));
      await vi.waitFor(() => expect(screen.getByTestId('list').textContent).toBe('Ben:0'));
    } finally {
      await Promise.all([ada.close(), ben.close()]);
    }
  });

  it('useUpload reports progress and the stored file', async () => {
    const ada = await signedUp('Ada');
    try {
      render(
        <ParleyProvider client={ada}>
          <Uploader />
        </ParleyProvider>,
      );
      fireEvent.click(screen.getByRole('button', { name: 'Upload' }));
      // The server loads its upload libraries with its first upload (docs/operations.md,
      // "Memory"): on a loaded machine that alone can take a second.
      await vi.waitFor(() => expect(screen.getByTestId('file').textContent).toBe('a.bin'), {
        timeout: 10_000,
      });
      expect(screen.getByTestId('progress').textContent).toBe('300000/300000');
    } finally {
      await ada.close();
    }
  });
});
