import { startTestServer } from '@parley/server/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signedUpClient } from './helpers/sdk.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

// A browser's window and document, as far as the SDK uses them: `online` on the window,
// `visibilitychange` on the document.
const window = new EventTarget();
const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
const globals = globalThis as Record<string, unknown>;

function installBrowserEvents(): void {
  globals.addEventListener = window.addEventListener.bind(window);
  globals.removeEventListener = window.removeEventListener.bind(window);
  globals.document = document;
}

afterEach(() => {
  delete globals.addEventListener;
  delete globals.removeEventListener;
  delete globals.document;
});

describe('waking up after an outage', () => {
  for (const [name, fire] of [
    ['the browser is online again', () => window.dispatchEvent(new Event('online'))],
    [
      'the tab becomes visible',
      () => {
        document.visibilityState = 'visible';
        document.dispatchEvent(new Event('visibilitychange'));
      },
    ],
  ] as const) {
    it(`reconnects at once when ${name}, not after the backoff`, async () => {
      installBrowserEvents();
      await using server = await startTestServer();
      await using proxy = await startTcpProxy(server.url);
      // A backoff far longer than the test: only the event can bring the connection back.
      await using ada = await signedUpClient(proxy.url, 'Ada', {
        backoff: { minDelayMs: 600_000, maxDelayMs: 600_000 },
      });
      await using ben = await signedUpClient(server.url, 'Ben');
      const chat = await ben.parley.conversations.openDirect({
        userId: ada.parley.session!.user.id,
      });

      proxy.refuse('HTTP/1.1');
      proxy.cut();
      await vi.waitFor(() => expect(ada.parley.connection.status).toBe('reconnecting'));
      await ben.parley.messages.send({ conversationId: chat.id, text: 'while you were out' }).sent;

      proxy.refuse(null);
      fire();
      await vi.waitFor(() => expect(ada.parley.connection.status).toBe('connected'), {
        timeout: 10_000,
      });
      // Resumed from where it stopped: the missed message arrives.
      await vi.waitFor(() => expect(ada.texts()).toEqual(['while you were out']));
    });
  }
});
