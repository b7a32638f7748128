// A consumer's chat script, type-checked and run against a live server by the SDK's tests
// (packed tarball, installed from outside the workspace). PARLEY_URL names the server.
import {
  createParleyClient,
  type Message,
  type OutgoingStatus,
  type ParleyClient,
  ParleyError,
} from '@parley/sdk';
import WebSocket from 'ws';

const url = process.env.PARLEY_URL;
if (!url) throw new Error('PARLEY_URL is not set');
setTimeout(() => {
  console.error('timed out');
  process.exit(1);
}, 20_000).unref();

const stamp = `${process.pid}.${Date.now()}`;

async function signUp(name: string): Promise<ParleyClient> {
  const parley = createParleyClient({ url: url!, WebSocket });
  await parley.auth.register({
    email: `${name}.${stamp}@example.com`,
    password: 'consumer-password',
    displayName: name,
  });
  await new Promise<void>((resolve) => {
    if (parley.connection.status === 'connected') return resolve();
    const off = parley.on('connection', ({ status }) => {
      if (status === 'connected') {
        off();
        resolve();
      }
    });
  });
  return parley;
}

const ada = await signUp('ada');
const ben = await signUp('ben');
const received = new Promise<Message>((resolve) => ben.on('message', resolve));
const chat = await ada.conversations.openDirect({ userId: ben.session!.user.id });
const outgoing = ada.messages.send({ conversationId: chat.id, text: 'hello from a consumer' });
const statuses: OutgoingStatus[] = [outgoing.status];
const reached = (status: OutgoingStatus) =>
  new Promise<void>((resolve) => {
    if (statuses.includes(status)) return resolve();
    ada.on('status', (m) => m === outgoing && m.status === status && resolve());
  });
ada.on('status', (m) => m === outgoing && statuses.push(m.status));
const message = await received;
await reached('delivered'); // Ben's client acknowledged it by itself
await ben.conversations.markRead({ conversationId: chat.id });
await reached('read');
const missing = await ada.messages.get({ messageId: 'nope' }).catch((e: unknown) => e);

console.log(
  JSON.stringify({
    received: message.text,
    statuses,
    notFound: missing instanceof ParleyError ? missing.code : null,
  }),
);
await Promise.all([ada.close(), ben.close()]);

// Never called: proves the types are real (wrong calls must not compile).
export function typesAreChecked(parley: ParleyClient) {
  // @ts-expect-error conversationId is required
  parley.messages.send({ text: 'x' });
  // @ts-expect-error no such procedure
  parley.conversations.nope();
  const code: ParleyError['code'] = 'NOT_FOUND';
  return code;
}
