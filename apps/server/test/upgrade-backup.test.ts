import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hash } from '@node-rs/argon2';
import { createDb, migrateTo, migrationNames } from '@parley/db';
import { createPgSchema, describeEachDialect } from '@parley/db/testing';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { httpClient, registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

const run = promisify(execFile);
const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** The last migration of the previous release (main before issue 18). */
const PREVIOUS_RELEASE = '20261201T0800-deferred-search-index';

describeEachDialect('upgrading a previous release’s database (issue 18)', (dialect) => {
  it('migrates forward with its data intact, and the upgraded server serves and writes it', async () => {
    expect(migrationNames).toContain(PREVIOUS_RELEASE);
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-upgrade-'));
    const pg = dialect === 'postgres' ? await createPgSchema() : undefined;
    try {
      // The previous release's schema, with data written the way that release stored it.
      const old = createDb(
        pg
          ? { dialect: 'postgres', url: pg.url }
          : { dialect: 'sqlite', filename: join(dataDir, 'parley.db') },
      );
      const applied = await migrateTo(old.db, PREVIOUS_RELEASE);
      expect(applied.at(-1)).toBe(PREVIOUS_RELEASE);
      const at = '2026-11-30T12:00:00.000Z';
      const passwordHash = await hash('upgrade-password-1');
      const ada = '01JF00000000000000000000AD';
      const ben = '01JF00000000000000000000BE';
      const group = '01JF00000000000000000000G1';
      for (const [id, name] of [
        [ada, 'Ada'],
        [ben, 'Ben'],
      ] as const) {
        await old.db
          .insertInto('users')
          .values({
            id,
            email: `${name.toLowerCase()}@upgrade.example.com`,
            display_name: name,
            about: '',
            avatar_file_id: null,
            created_at: at,
            updated_at: at,
            last_seen_at: null,
          })
          .execute();
        await old.db
          .insertInto('password_credentials')
          .values({ user_id: id, password_hash: passwordHash, updated_at: at })
          .execute();
      }
      await old.db
        .insertInto('conversations')
        .values({
          id: group,
          type: 'group',
          direct_key: null,
          context_type: null,
          context_id: null,
          title: 'Old friends',
          description: null,
          avatar_file_id: null,
          created_by: ada,
          created_at: at,
          updated_at: at,
          last_seq: 3,
          last_message_at: at,
        })
        .execute();
      for (const [user, role] of [
        [ada, 'admin'],
        [ben, 'member'],
      ] as const) {
        await old.db
          .insertInto('members')
          .values({
            conversation_id: group,
            user_id: user,
            role,
            joined_at: at,
            joined_seq: 0,
            last_delivered_seq: 0,
            last_read_seq: user === ada ? 3 : 1,
            muted_until: null,
          })
          .execute();
      }
      const texts = ['first before the upgrade', 'second', 'third'];
      for (const [i, text] of texts.entries()) {
        await old.db
          .insertInto('messages')
          .values({
            id: `01JF0000000000000000000M0${i}`,
            conversation_id: group,
            seq: i + 1,
            sender_id: i === 1 ? ben : ada,
            client_message_id: `old-${i}`,
            kind: 'text',
            text,
            reply_to_id: null,
            created_at: at,
            edited_at: null,
            deleted_at: null,
            system: null,
            // The previous release's columns only (later migrations add defaults for the rest).
          } as never)
          .execute();
      }
      await old.destroy();

      // This release's server upgrades it at start and carries on.
      await using server = await startTestServer({
        env: pg ? { DATABASE_URL: pg.url } : { DATA_DIR: dataDir },
      });
      const anon = httpClient(server);
      const login = await anon.auth.login.mutate({
        email: 'ben@upgrade.example.com',
        password: 'upgrade-password-1',
      });
      const benClient = httpClient(server, () => login.accessToken);
      const list = await benClient.conversations.list.query({});
      const chat = list.items.find((c) => c.id === group);
      expect(chat).toMatchObject({ unreadCount: 1 });
      const history = await benClient.messages.list.query({ conversationId: group, limit: 10 });
      expect(history.messages.map((m) => [m.seq, m.text])).toEqual(
        texts.map((text, i) => [i + 1, text]),
      );
      const sent = await benClient.messages.send.mutate({
        conversationId: group,
        clientMessageId: 'after-upgrade',
        text: 'after the upgrade',
      });
      expect(sent.seq).toBe(4);
      const found = await benClient.messages.search.query({ q: 'upgrade' });
      expect(found.items.map((m) => m.text)).toEqual(
        expect.arrayContaining(['first before the upgrade', 'after the upgrade']),
      );
    } finally {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('online SQLite backup (issue 18)', () => {
  it('takes a consistent backup under write load that restores to the messages up to its moment', async () => {
    await using server = await startTestServer({ env: { SEND_RATE_LIMIT: '1000000' } });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    // Writers keep sending until the backup is done.
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      while (writing) {
        await ada.client.messages.send.mutate({
          conversationId: chat.id,
          clientMessageId: `load-${sent}`,
          text: `message ${sent}`,
        });
        sent += 1;
      }
    })();
    while (sent < 20) await new Promise((resolve) => setImmediate(resolve));
    const backupDir = await mkdtemp(join(tmpdir(), 'parley-backup-'));
    const restoreDir = await mkdtemp(join(tmpdir(), 'parley-restore-'));
    try {
      const file = join(backupDir, 'parley-backup.db');
      // `pnpm parley backup <file>`, as an operator runs it next to the running server.
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'backup', file],
        { cwd: serverDir, env: { ...process.env, NODE_ENV: 'test', DATA_DIR: server.dataDir } },
      );
      expect(JSON.parse(stdout)).toMatchObject({ backup: file, pages: expect.any(Number) });
      const sentDuringBackup = sent;
      writing = false;
      await writer;
      expect(sent).toBeGreaterThan(20);

      // The backup is a consistent snapshot: the messages 1..k of the source, k = its last seq.
      const copy = new Database(file, { readonly: true });
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const backedUp = copy
        .prepare('select seq, id, text from messages where conversation_id = ? order by seq')
        .all(chat.id) as { seq: number; id: string; text: string }[];
      const lastSeq = (
        copy.prepare('select last_seq from conversations where id = ?').get(chat.id) as {
          last_seq: number;
        }
      ).last_seq;
      copy.close();
      expect(backedUp.length).toBe(lastSeq);
      expect(backedUp.length).toBeGreaterThanOrEqual(20);
      expect(backedUp.length).toBeLessThanOrEqual(sentDuringBackup + 1);
      const all = async (client: typeof ada.client) => {
        const messages: { seq: number; id: string; text: string }[] = [];
        for (;;) {
          const page = await client.messages.list.query({
            conversationId: chat.id,
            limit: 100,
            after: messages.at(-1)?.seq ?? 0,
          });
          if (page.messages.length === 0) return messages;
          messages.push(...page.messages);
        }
      };
      const sourcePrefix = (await all(ada.client))
        .filter((m) => m.seq <= lastSeq)
        .map((m) => ({ seq: m.seq, id: m.id, text: m.text }));
      expect(backedUp).toEqual(sourcePrefix);

      // Restore: the backup file becomes DATA_DIR/parley.db of a new server.
      await copyFile(file, join(restoreDir, 'parley.db'));
      await using restored = await startTestServer({ env: { DATA_DIR: restoreDir } });
      const login = await httpClient(restored).auth.login.mutate({
        email: (await ada.client.users.me.query()).email,
        password: 'pw-Ada-long-enough',
      });
      const again = await all(httpClient(restored, () => login.accessToken));
      expect(again.map((m) => m.id)).toEqual(sourcePrefix.map((m) => m.id));
    } finally {
      writing = false;
      await writer;
      await rm(backupDir, { recursive: true, force: true });
      await rm(restoreDir, { recursive: true, force: true });
    }
  }, 120_000);
});
