// Run by package.test.ts with `node --experimental-websocket`: the built SDK on the platform's
// own WHATWG WebSocket (the browsers' API) and its default storage, no options but the URL.
const { createParleyClient } = await import(process.env.SDK_ENTRY);
if (typeof WebSocket !== 'function') throw new Error('no global WebSocket');

const stamp = `${process.pid}.${Date.now()}`;
const signUp = async (name) => {
  const parley = createParleyClient({ url: process.env.PARLEY_URL });
  await parley.auth.register({
    email: `${name}.${stamp}@example.com`,
    password: 'password-native',
    displayName: name,
  });
  await new Promise((resolve) => {
    if (parley.connection.status === 'connected') resolve();
    parley.on('connection', ({ status }) => status === 'connected' && resolve());
  });
  return parley;
};
const ada = await signUp('ada');
const ben = await signUp('ben');
const received = new Promise((resolve) => ben.on('message', resolve));
const chat = await ada.conversations.openDirect({ userId: ben.session.user.id });
ada.messages.send({ conversationId: chat.id, text: 'over the native WebSocket' });
console.log((await received).text);
await Promise.all([ada.close(), ben.close()]);
