// Raw-frame clients for the generator: one adapter per system under test, same interface, so
// the same workload code drives the floor and Parley. Cheaper than @trpc/client; the SDK is
// used only where the workload is about it (sdk-client.ts).
import WebSocket from 'ws';

export type Kind = 'floor' | 'parley';

/** What a device saw: a message from someone else (live or replayed). */
export type OnMessage = (text: string) => void;

export interface Conn {
  /** Fire and forget; `onAck(ok)` is called when the server answers. */
  send(conversationId: string, clientId: string, text: string): void;
  close(): void;
}

export interface ConnectOptions {
  kind: Kind;
  /** http://127.0.0.1:port of the instance this device uses. */
  url: string;
  token: string;
  userId: string;
  /** Resume position: events after it are replayed (null = live only). */
  after: string | null;
  onMessage: OnMessage;
  onAck: (ok: boolean) => void;
  timeoutMs: number;
}

export function connect(options: ConnectOptions): Promise<Conn> {
  return options.kind === 'floor' ? connectFloor(options) : connectParley(options);
}

function opened(ws: WebSocket, ready: (data: string) => boolean, timeoutMs: number) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData) => {
      if (!ready(data.toString())) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve();
    };
    ws.on('message', onMessage);
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before ready'));
    });
  });
}

async function connectFloor(o: ConnectOptions): Promise<Conn> {
  const query = new URLSearchParams({ token: o.token });
  if (o.after !== null) query.set('after', o.after);
  const ws = new WebSocket(`${o.url.replace(/^http/, 'ws')}/ws?${query}`, {
    perMessageDeflate: false,
  });
  const handle = (data: WebSocket.RawData) => {
    const s = data.toString();
    if (s.startsWith('{"t":"msg"')) {
      o.onMessage((JSON.parse(s) as { x: string }).x);
    } else if (s.startsWith('{"t":"ack"')) o.onAck(true);
    else if (s.startsWith('{"t":"error"')) o.onAck(false);
  };
  // Frames that arrive right after "ready" (a replay) must not be missed.
  ws.on('message', handle);
  await opened(ws, (s) => s === '{"t":"ready"}', o.timeoutMs);
  ws.on('error', () => undefined);
  return {
    send(c, k, x) {
      ws.send(JSON.stringify({ t: 'send', c, k, x }));
    },
    close: () => ws.terminate(),
  };
}

interface TrpcEventFrame {
  result: { data: { data: { type: string; message?: { senderId: string; text: string } } } };
}

async function connectParley(o: ConnectOptions): Promise<Conn> {
  const ws = new WebSocket(`${o.url.replace(/^http/, 'ws')}/trpc?connectionParams=1`, {
    perMessageDeflate: false,
  });
  let nextId = 2;
  const handle = (data: WebSocket.RawData) => {
    const s = data.toString();
    if (s === 'PING') {
      ws.send('PONG');
      return;
    }
    if (s.startsWith('{"id":1,')) {
      // Tracked events of the subscription; only other people's messages matter here.
      if (!s.includes('"message.created"')) return;
      const event = (JSON.parse(s) as TrpcEventFrame).result.data.data;
      if (event.type === 'message.created' && event.message && event.message.senderId !== o.userId)
        o.onMessage(event.message.text);
      return;
    }
    if (s.startsWith('{"id":')) o.onAck(!s.includes('"error"'));
  };
  ws.on('message', handle);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ method: 'connectionParams', data: { token: o.token } }));
  ws.send(
    JSON.stringify({
      id: 1,
      method: 'subscription',
      params: { path: 'events.subscribe', input: { lastEventId: o.after } },
    }),
  );
  await opened(ws, (s) => s.startsWith('{"id":1,"result":{"type":"started"'), o.timeoutMs);
  ws.on('error', () => undefined);
  return {
    send(conversationId, clientMessageId, text) {
      ws.send(
        JSON.stringify({
          id: nextId++,
          method: 'mutation',
          params: { path: 'messages.send', input: { conversationId, clientMessageId, text } },
        }),
      );
    },
    close: () => ws.terminate(),
  };
}
