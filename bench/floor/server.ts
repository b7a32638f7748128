// The floor reference: the least a chat server can do for the benchmark's workloads on this
// machine. Plain `ws`, JSON frames, an HMAC JWT checked once at connect (jose), one prepared
// better-sqlite3 INSERT per message (WAL, synchronous=NORMAL), relay to the members' sockets,
// an ack to the sender. No framework, no validation library, no event log, no presence.
//
// Environment: FLOOR_DB (SQLite file), JWT_SECRET, PORT (0 = any), HOST (default 127.0.0.1).
// Prints one JSON line {"floor":"listening","url":...} once it accepts connections.
//
// HTTP (setup only): POST /conversations {"members":[userId...]} -> {"id"}; GET /head -> {"id"}.
// WebSocket: ws://host/ws?token=<jwt>[&after=<message id>]
//   <- {"t":"ready"}                     after the token was checked (then the replay, if any)
//   -> {"t":"send","c":conv,"k":clientId,"x":text}
//   <- {"t":"ack","k":clientId,"id":n}   to the sender
//   <- {"t":"msg","id":n,"c":conv,"s":sender,"k":clientId,"x":text}   to every other member
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { jwtVerify } from 'jose';
import { type WebSocket, WebSocketServer } from 'ws';

const ISSUER = 'parley';
const AUDIENCE = 'parley-clients';
const REPLAY_PAGE = 500;

const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const db = new Database(process.env.FLOOR_DB ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  create table if not exists messages (
    id integer primary key,
    conversation_id text not null,
    sender_id text not null,
    client_id text not null,
    text text not null,
    created_at text not null
  );
  create table if not exists members (
    conversation_id text not null,
    user_id text not null,
    primary key (conversation_id, user_id)
  );
`);
const insertMessage = db.prepare(
  'insert into messages (conversation_id, sender_id, client_id, text, created_at) values (?, ?, ?, ?, ?)',
);
const insertMember = db.prepare('insert or ignore into members values (?, ?)');
const headStmt = db.prepare('select max(id) as id from messages');

/** conversation -> member ids; user -> conversations; user -> open sockets. */
const members = new Map<string, string[]>();
const conversationsOf = new Map<string, Set<string>>();
const sockets = new Map<string, Set<WebSocket>>();

function join(conversationId: string, userId: string) {
  const list = members.get(conversationId) ?? [];
  members.set(conversationId, list);
  if (!list.includes(userId)) list.push(userId);
  const convs = conversationsOf.get(userId) ?? new Set<string>();
  conversationsOf.set(userId, convs);
  convs.add(conversationId);
}
for (const row of db.prepare('select conversation_id, user_id from members').all() as {
  conversation_id: string;
  user_id: string;
}[]) {
  join(row.conversation_id, row.user_id);
}
let nextConversation = members.size + 1;

async function userOf(token: string | null | undefined): Promise<string | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['sub', 'exp'],
    });
    return payload.sub ?? null;
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const http = createServer((req, res) => {
  void (async () => {
    const user = await userOf(req.headers.authorization?.replace(/^Bearer /, ''));
    if (!user) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/conversations') {
      const { members: ids } = JSON.parse(await readBody(req)) as { members: string[] };
      const id = `c${nextConversation++}`;
      db.transaction(() => {
        for (const m of new Set([user, ...ids])) insertMember.run(id, m);
      })();
      for (const m of new Set([user, ...ids])) join(id, m);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } else if (req.method === 'GET' && req.url === '/head') {
      const { id } = headStmt.get() as { id: number | null };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } else {
      res.writeHead(404).end();
    }
  })().catch(() => res.writeHead(500).end());
});

const wss = new WebSocketServer({ noServer: true });
http.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  void userOf(url.searchParams.get('token')).then((user) => {
    if (!user || url.pathname !== '/ws') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const after = url.searchParams.get('after');
      onConnection(ws, user, after === null ? null : Number(after));
    });
  });
});

function onConnection(ws: WebSocket, user: string, after: number | null) {
  const mine = sockets.get(user) ?? new Set<WebSocket>();
  sockets.set(user, mine);
  mine.add(ws);
  ws.on('close', () => mine.delete(ws));
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { t: string; c: string; k: string; x: string };
    if (frame.t !== 'send') return;
    const list = members.get(frame.c);
    if (!list?.includes(user)) {
      ws.send(JSON.stringify({ t: 'error', k: frame.k }));
      return;
    }
    const id = Number(
      insertMessage.run(frame.c, user, frame.k, frame.x, new Date().toISOString()).lastInsertRowid,
    );
    const out = JSON.stringify({ t: 'msg', id, c: frame.c, s: user, k: frame.k, x: frame.x });
    for (const member of list) {
      if (member === user) continue;
      const targets = sockets.get(member);
      if (targets) for (const s of targets) s.send(out);
    }
    ws.send(JSON.stringify({ t: 'ack', k: frame.k, id }));
  });
  ws.send('{"t":"ready"}');
  if (after !== null) replay(ws, user, after);
}

/** Everything after `after` in the user's conversations, in pages, yielding between pages. */
function replay(ws: WebSocket, user: string, after: number) {
  const convs = [...(conversationsOf.get(user) ?? [])];
  if (convs.length === 0) return;
  const page = db.prepare(
    `select id, conversation_id as c, sender_id as s, client_id as k, text as x from messages
     where id > ? and conversation_id in (${convs.map(() => '?').join(',')}) order by id limit ?`,
  );
  let cursor = after;
  const next = () => {
    if (ws.readyState !== ws.OPEN) return;
    const rows = page.all(cursor, ...convs, REPLAY_PAGE) as {
      id: number;
      c: string;
      s: string;
      k: string;
      x: string;
    }[];
    for (const r of rows) ws.send(JSON.stringify({ t: 'msg', ...r }));
    if (rows.length === REPLAY_PAGE) {
      cursor = rows.at(-1)!.id;
      setImmediate(next);
    }
  };
  setImmediate(next);
}

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  console.log(JSON.stringify({ floor: 'listening', url: `http://127.0.0.1:${port}` }));
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const c of wss.clients) c.terminate();
    http.close();
    db.close();
    process.exit(0);
  });
}
