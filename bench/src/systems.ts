// The two systems under test behind one interface: start (or restart on the same storage),
// create conversations, read the resume position. Users are shared: the same ids and tokens.
import { join } from 'node:path';
import { createDb } from '@parley/db';
import { SignJWT } from 'jose';
import { ulid } from 'ulid';
import type { Kind } from './clients.ts';
import { type ParleyOptions, type Running, startFloor, startParley } from './server-process.ts';

export interface User {
  id: string;
  token: string;
}

export interface System {
  kind: Kind;
  start(): Promise<Running>;
  openDirect(url: string, a: User, b: User): Promise<string>;
  createGroup(url: string, owner: User, members: User[]): Promise<string>;
  /** The position to resume from to receive everything that happens from now on. */
  head(url: string, user: User): Promise<string | null>;
}

/** Access tokens exactly as packages/api/src/services/tokens.ts signs them (HS256). */
export async function mintTokens(secret: string, ids: string[]): Promise<User[]> {
  const key = new TextEncoder().encode(secret);
  const issuedAt = Math.floor(Date.now() / 1000);
  return Promise.all(
    ids.map(async (id) => ({
      id,
      token: await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(id)
        .setIssuer('parley')
        .setAudience('parley-clients')
        .setIssuedAt(issuedAt)
        // Long enough for any run; the server ends a stream when its token expires.
        .setExpirationTime(issuedAt + 6 * 3600)
        .sign(key),
    })),
  );
}

export function newUserIds(count: number): string[] {
  return Array.from({ length: count }, () => ulid());
}

/** Users straight into Parley's database (registering hashes a password each, rate limited). */
export async function seedParleyUsers(
  target: { databaseUrl?: string; dataDir: string },
  ids: string[],
): Promise<void> {
  const handle = target.databaseUrl
    ? createDb({ dialect: 'postgres', url: target.databaseUrl, poolSize: 1 })
    : createDb({ dialect: 'sqlite', filename: join(target.dataDir, 'parley.db') });
  const at = new Date().toISOString();
  try {
    for (let i = 0; i < ids.length; i += 500) {
      await handle.db
        .insertInto('users')
        .values(
          ids.slice(i, i + 500).map((id, j) => ({
            id,
            email: `bench-${i + j}-${id.toLowerCase()}@bench.local`,
            display_name: `Bench ${i + j}`,
            about: '',
            avatar_file_id: null,
            created_at: at,
            updated_at: at,
            last_seen_at: null,
          })),
        )
        .execute();
    }
  } finally {
    await handle.destroy();
  }
}

async function trpc<T>(
  url: string,
  token: string,
  path: string,
  input: unknown,
  method: 'GET' | 'POST' = 'POST',
): Promise<T> {
  const target =
    method === 'GET'
      ? `${url}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `${url}/trpc/${path}`;
  const res = await fetch(target, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: method === 'POST' ? JSON.stringify(input) : undefined,
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body.result.data;
}

export function parleySystem(options: ParleyOptions): System {
  return {
    kind: 'parley',
    start: () => startParley(options),
    async openDirect(url, a, b) {
      return (
        await trpc<{ id: string }>(url, a.token, 'conversations.openDirect', { userId: b.id })
      ).id;
    },
    async createGroup(url, owner, members) {
      const others = members.filter((m) => m.id !== owner.id);
      const group = await trpc<{ id: string }>(url, owner.token, 'groups.create', {
        name: 'bench',
        userIds: others.slice(0, 1000).map((m) => m.id),
      });
      for (let i = 1000; i < others.length; i += 1000) {
        await trpc(url, owner.token, 'groups.addMembers', {
          groupId: group.id,
          userIds: others.slice(i, i + 1000).map((m) => m.id),
        });
      }
      return group.id;
    },
    async head(url, user) {
      return (await trpc<{ lastEventId: string | null }>(url, user.token, 'events.head', {}, 'GET'))
        .lastEventId;
    },
  };
}

export function floorSystem(options: { jwtSecret: string; dataDir: string }): System {
  const call = async <T>(url: string, token: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`floor ${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    kind: 'floor',
    start: () =>
      startFloor({ jwtSecret: options.jwtSecret, dbFile: join(options.dataDir, 'floor.db') }),
    async openDirect(url, a, b) {
      return (await call<{ id: string }>(url, a.token, '/conversations', { members: [b.id] })).id;
    },
    async createGroup(url, owner, members) {
      return (
        await call<{ id: string }>(url, owner.token, '/conversations', {
          members: members.map((m) => m.id),
        })
      ).id;
    },
    async head(url, user) {
      const { id } = await call<{ id: number | null }>(url, user.token, '/head');
      return String(id ?? 0);
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
