import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the SDK and the test server: a real network path the test can cut.
 * It reads what passes: HTTP requests, and WebSocket frames (unmasked, so a marker is found
 * in what the client sends over its socket as well as in an HTTP request).
 * `cut()` destroys every open connection (HTTP and WebSocket alike), as a lost network does.
 * `cutOnResponse(marker)`: when a request containing `marker` has been answered by the server,
 * the answer is dropped and everything is cut, so the server did the work but the client never
 * heard back ("the connection died in the middle of a send"). `cutOnAnswer(marker)`: the same,
 * at the first thing the server says that contains `marker`. `refuse(marker)`: connections
 * carrying `marker` are dropped before it reaches the server, until `refuse(null)`.
 */
export interface TcpProxy extends AsyncDisposable {
  url: string;
  cut(): void;
  cutOnResponse(marker: string): Promise<void>;
  cutOnAnswer(marker: string): Promise<void>;
  refuse(marker: string | null): void;
  /**
   * WebSocket calls carrying `marker` never reach the server: the proxy answers each with the
   * error a server answers a failed write with (INTERNAL_SERVER_ERROR); other calls in the same
   * frame go on, and the socket stays up. Until `failCalls(null)`.
   */
  failCalls(marker: string | null): void;
  /**
   * The server's WebSocket frames containing `marker` are held back (later frames pass them),
   * as an answer read before a change can reach the client after the change's event.
   * `held` resolves when the first is held; `release()` sends what was held.
   */
  holdAnswers(marker: string): { held: Promise<void>; release(): void };
  /** Connections currently open through the proxy. */
  readonly open: number;
  /** Every HTTP request that went through, as `METHOD /path?query` (WebSocket upgrades too). */
  readonly httpRequests: string[];
  /** The payload of every WebSocket text frame the client sent, in order. */
  readonly wsFrames: string[];
}

/** Splits complete WebSocket frames off `buffer`; returns them (raw + unmasked text) and the rest. */
function takeFrames(buffer: Buffer): { frames: { raw: Buffer; text: string }[]; rest: Buffer } {
  const frames: { raw: Buffer; text: string }[] = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    const second = buffer[at + 1]!;
    let length = second & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (buffer.length - at < 4) break;
      length = buffer.readUInt16BE(at + 2);
      offset = at + 4;
    } else if (length === 127) {
      if (buffer.length - at < 10) break;
      length = Number(buffer.readBigUInt64BE(at + 2));
      offset = at + 10;
    }
    const mask = second & 0x80 ? buffer.subarray(offset, offset + 4) : null;
    if (mask) offset += 4;
    if (buffer.length < offset + length) break;
    const payload = Buffer.from(buffer.subarray(offset, offset + length));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    const opcode = buffer[at]! & 0x0f;
    frames.push({
      raw: buffer.subarray(at, offset + length),
      text: opcode === 1 ? `${payload}` : '',
    });
    at = offset + length;
  }
  return { frames, rest: buffer.subarray(at) };
}

/** A text frame: unmasked as a server sends it, or masked (with a zero key) as a client does. */
function textFrame(text: string, masked = false): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const bit = masked ? 0x80 : 0;
  const head =
    length < 126
      ? Buffer.from([0x81, bit | length])
      : Buffer.from([0x81, bit | 126, length >> 8, length & 255]);
  return Buffer.concat([head, Buffer.alloc(masked ? 4 : 0), payload]);
}

type Call = { id: number; params?: { path?: string } };

/**
 * Splits a client frame's calls: those carrying `marker` are answered here with the shape of an
 * INTERNAL_SERVER_ERROR; the frame of the others (if any) goes on to the server.
 */
function failMarked(
  text: string,
  marker: string,
): { answers: Buffer; forward: { raw: Buffer; text: string } | null } {
  const parsed = JSON.parse(text) as Call | Call[];
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  const failed = calls.filter((call) => JSON.stringify(call).includes(marker));
  const others = calls.filter((call) => !failed.includes(call));
  const answers = failed.map(({ id, params }) =>
    textFrame(
      JSON.stringify({
        id,
        error: {
          message: 'Internal server error',
          code: -32603,
          data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, path: params?.path },
        },
      }),
    ),
  );
  if (!others.length) return { answers: Buffer.concat(answers), forward: null };
  const rest = JSON.stringify(Array.isArray(parsed) ? others : others[0]);
  return { answers: Buffer.concat(answers), forward: { raw: textFrame(rest, true), text: rest } };
}

const REQUEST_LINE = /(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP\/1\.[01]\r\n/g;

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let trap: { marker: string; sprung: () => void } | null = null;
  let answerTrap: { marker: string; sprung: () => void } | null = null;
  let refused: string | null = null;
  let failing: string | null = null;
  let holding: {
    marker: string;
    frames: { client: Socket; raw: Buffer }[];
    onHeld: () => void;
  } | null = null;
  const httpRequests: string[] = [];
  const wsFrames: string[] = [];

  const cut = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair = { client, upstream };
    pairs.add(pair);
    let trapped = false;
    // After an upgrade both directions carry WebSocket frames: whole frames are passed on.
    let websocket = false;
    let upgraded = false;
    let fromClient: Buffer = Buffer.alloc(0);
    let fromServer: Buffer = Buffer.alloc(0);

    /** What the client sends, as text a marker is looked for in; null until a frame is whole. */
    const fromClientText = (chunk: Buffer): { raw: Buffer; text: string } | null => {
      if (!websocket) {
        const text = chunk.toString('latin1');
        for (const [, method, path] of text.matchAll(REQUEST_LINE)) {
          httpRequests.push(`${method} ${path}`);
        }
        if (/\r\nupgrade: websocket\r\n/i.test(text)) websocket = true;
        return { raw: chunk, text };
      }
      const { frames, rest } = takeFrames(Buffer.concat([fromClient, chunk]));
      fromClient = rest;
      const passed = frames.flatMap((frame) => {
        if (frame.text) wsFrames.push(frame.text);
        if (!failing || !frame.text.includes(failing)) return [frame];
        const { answers, forward } = failMarked(frame.text, failing);
        client.write(answers);
        return forward ? [forward] : [];
      });
      if (!passed.length) return null;
      return {
        raw: Buffer.concat(passed.map((f) => f.raw)),
        text: passed.map((f) => f.text).join('\n'),
      };
    };

    client.on('data', (chunk: Buffer) => {
      const data = fromClientText(chunk);
      if (!data) return;
      if (refused && data.text.includes(refused)) {
        close();
        return;
      }
      if (trap && data.text.includes(trap.marker)) trapped = true;
      upstream.write(data.raw);
    });
    upstream.on('data', (received: Buffer) => {
      let chunk: Buffer = received;
      let raw: Buffer = chunk;
      let text = chunk.toString('latin1');
      if (websocket && !upgraded) {
        // The server's answer to the upgrade; frames may follow in the same chunk.
        const end = chunk.indexOf('\r\n\r\n');
        upgraded = text.startsWith('HTTP/1.1 101');
        if (upgraded && end >= 0) {
          client.write(chunk.subarray(0, end + 4));
          chunk = chunk.subarray(end + 4);
        }
      }
      if (upgraded) {
        const { frames: all, rest } = takeFrames(Buffer.concat([fromServer, chunk]));
        fromServer = rest;
        const frames = all.filter((frame) => {
          if (!holding || !frame.text.includes(holding.marker)) return true;
          holding.frames.push({ client, raw: frame.raw });
          holding.onHeld();
          return false;
        });
        if (!frames.length) return;
        raw = Buffer.concat(frames.map((f) => f.raw));
        text = frames.map((f) => f.text).join('\n');
      }
      const sprung =
        (trapped && trap) || (answerTrap && text.includes(answerTrap.marker) ? answerTrap : null);
      if (sprung) {
        if (sprung === trap) trap = null;
        else answerTrap = null;
        cut();
        sprung.sprung();
        return;
      }
      client.write(raw);
    });
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${address.port}`,
    cut,
    cutOnResponse(marker) {
      return new Promise((resolve) => {
        trap = { marker, sprung: resolve };
      });
    },
    cutOnAnswer(marker) {
      return new Promise((resolve) => {
        answerTrap = { marker, sprung: resolve };
      });
    },
    refuse(marker) {
      refused = marker;
    },
    failCalls(marker) {
      failing = marker;
    },
    holdAnswers(marker) {
      let onHeld = () => {};
      const held = new Promise<void>((resolve) => {
        onHeld = resolve;
      });
      const hold = { marker, frames: [] as { client: Socket; raw: Buffer }[], onHeld };
      holding = hold;
      return {
        held,
        release() {
          if (holding === hold) holding = null;
          for (const { client, raw } of hold.frames) client.write(raw);
        },
      };
    },
    get open() {
      return pairs.size;
    },
    httpRequests,
    wsFrames,
    async [Symbol.asyncDispose]() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
