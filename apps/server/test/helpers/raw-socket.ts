import WebSocket from 'ws';
import type { TestUser } from './clients.ts';
import type { TestServer } from './test-server.ts';

/**
 * A raw tRPC WebSocket, open; with a user, its connectionParams message sent first. `texts` are
 * the frames received, in order (the keep-alive's PING answered, not kept).
 */
export async function openRawSocket(server: TestServer, user?: TestUser) {
  const ws = new WebSocket(user ? `${server.wsUrl}?connectionParams=1` : server.wsUrl);
  const texts: string[] = [];
  ws.on('message', (raw) => {
    const text = String(raw);
    if (text === 'PING') ws.send('PONG');
    else texts.push(text);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  if (user) {
    ws.send(JSON.stringify({ method: 'connectionParams', data: { token: user.auth.accessToken } }));
  }
  return { ws, texts, send: (message: unknown) => ws.send(JSON.stringify(message)) };
}
