import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describeEachDialect } from '@parley/db/testing';
import createClient from 'openapi-fetch';
import { describe, expect, it } from 'vitest';
import { renderSnapshot } from '../scripts/generate-openapi.ts';
import { renderClientTypes, SNAPSHOT } from '../scripts/openapi-client.ts';
import type { paths } from './generated/parley-api.gen.ts';
import { validatingFetch } from './helpers/openapi-validate.ts';
import { startTestServer } from './helpers/test-server.ts';

describe('the REST contract', () => {
  it('is served at /openapi.json exactly as checked in (run `pnpm openapi:generate` after changes)', async () => {
    await using server = await startTestServer();
    const served = await (await fetch(`${server.url}/openapi.json`)).json();
    const checkedIn = await readFile(SNAPSHOT, 'utf8');
    expect(served).toEqual(JSON.parse(checkedIn));
    expect(renderSnapshot()).toBe(checkedIn);
  });

  it('makes the client types the tests below use (generated at typecheck, not checked in)', async () => {
    const types = await renderClientTypes(await readFile(SNAPSHOT, 'utf8'));
    expect(types).toContain('export interface paths {');
    expect(types).toContain('"/conversations/{conversationId}/messages": {');
  });

  it('validates with zero errors under a standard OpenAPI validator', async () => {
    const document = JSON.parse(await readFile(SNAPSHOT, 'utf8'));
    await expect(SwaggerParser.validate(document)).resolves.toBeTruthy();
    expect(Object.keys(document.paths).length).toBeGreaterThan(25);
  });

  it('serves an offline interactive reference at /docs', async () => {
    await using server = await startTestServer();
    const page = await (await fetch(`${server.url}/docs`)).text();
    expect(page).toContain('/docs/swagger-ui-bundle.js');
    expect(page).not.toMatch(/https?:\/\//); // no CDN
    const bundle = await fetch(`${server.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(Number(bundle.headers.get('content-length'))).toBeGreaterThan(100_000);
  });
});

describeEachDialect(
  'a client generated from /openapi.json (openapi-typescript + openapi-fetch)',
  (dialect) => {
    it('runs the whole flow over REST', async () => {
      await using server = await startTestServer({ dialect });
      const baseUrl = `${server.url}/api/v1`;
      // Every answer below is checked against the document (status, content type, schema).
      const { fetch, problems } = validatingFetch(baseUrl);
      const anon = createClient<paths>({ baseUrl, fetch });
      const signUp = async (name: string) => {
        const { data, error } = await anon.POST('/auth/register', {
          body: {
            email: `${name}@rest.example.com`,
            password: 'rest-password-1',
            displayName: name,
          },
        });
        expect(error).toBeUndefined();
        return data!;
      };
      const adaAuth = await signUp('ada');
      const benAuth = await signUp('ben');
      const login = await anon.POST('/auth/login', {
        body: { email: 'ada@rest.example.com', password: 'rest-password-1' },
      });
      expect(login.data?.user.id).toBe(adaAuth.user.id);
      const badLogin = await anon.POST('/auth/login', {
        body: { email: 'ada@rest.example.com', password: 'wrong-password' },
      });
      expect(badLogin.response.status).toBe(401);
      expect(badLogin.error).toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'Invalid email or password',
      });

      const as = (token: string) =>
        createClient<paths>({ baseUrl, fetch, headers: { authorization: `Bearer ${token}` } });
      const ada = as(login.data!.accessToken);
      const ben = as(benAuth.accessToken);

      const chat = (await ada.POST('/conversations', { body: { userId: benAuth.user.id } })).data!;
      expect(chat.peer?.displayName).toBe('ben');
      const path = { conversationId: chat.id };
      const sent = await ada.POST('/conversations/{conversationId}/messages', {
        params: { path },
        body: { clientMessageId: 'r1', text: 'hello over REST' },
      });
      expect(sent.response.status).toBe(200);
      const first = sent.data!;
      const history = await ben.GET('/conversations/{conversationId}/messages', {
        params: { path, query: { limit: 10 } },
      });
      expect(history.data?.messages.map((m) => m.text)).toEqual(['hello over REST']);

      const edited = await ada.PATCH('/messages/{messageId}', {
        params: { path: { messageId: first.id } },
        body: { text: 'edited over REST' },
      });
      expect(edited.data?.editedAt).not.toBeNull();
      const notMine = await ben.PATCH('/messages/{messageId}', {
        params: { path: { messageId: first.id } },
        body: { text: 'nope' },
      });
      expect(notMine.response.status).toBe(403);
      const reacted = await ben.POST('/messages/{messageId}/reactions', {
        params: { path: { messageId: first.id } },
        body: { emoji: '👍' },
      });
      expect(reacted.data?.reactions).toEqual([
        { emoji: '👍', count: 1, userIds: [benAuth.user.id] },
      ]);
      const unreacted = await ben.DELETE('/messages/{messageId}/reactions', {
        params: { path: { messageId: first.id }, query: { emoji: '👍' } },
      });
      expect(unreacted.data?.reactions).toEqual([]);
      expect(
        (await ben.GET('/conversations/{conversationId}', { params: { path } })).data?.unreadCount,
      ).toBe(1);
      const read = await ben.POST('/conversations/{conversationId}/read', {
        params: { path },
        body: {},
      });
      expect(read.data).toMatchObject({ lastReadSeq: 1, unreadCount: 0 });
      const status = await ada.GET('/messages/{messageId}/status', {
        params: { path: { messageId: first.id } },
      });
      expect(status.data?.status).toBe('read');
      const presence = await ada.GET('/presence', {
        params: { query: { userIds: [benAuth.user.id] } },
      });
      expect(presence.data).toEqual([{ userId: benAuth.user.id, online: false, lastSeenAt: null }]);
      const found = await ben.GET('/messages/search', { params: { query: { q: 'edited' } } });
      expect(found.data?.items.map((m) => m.id)).toEqual([first.id]);

      // A file: multipart upload, attach, download by the other member.
      const form = new FormData();
      form.append(
        'file',
        new Blob([Buffer.from('%PDF-1.4\nREST file\n')], { type: 'application/pdf' }),
        'doc.pdf',
      );
      const uploaded = await ada.POST('/files', {
        body: form as never,
        bodySerializer: () => form,
      });
      expect(uploaded.response.status).toBe(201);
      const file = uploaded.data!;
      expect(file.contentType).toBe('application/pdf');
      const withFile = await ada.POST('/conversations/{conversationId}/messages', {
        params: { path },
        body: { clientMessageId: 'r2', text: 'see attached', attachments: [file.id] },
      });
      expect(withFile.data?.attachments.map((a) => a.id)).toEqual([file.id]);
      const bytes = await ben.GET('/files/{fileId}', {
        params: { path: { fileId: file.id }, header: {} },
        parseAs: 'arrayBuffer',
      });
      expect(Buffer.from(bytes.data as ArrayBuffer).toString()).toBe('%PDF-1.4\nREST file\n');
      const listed = await ben.GET('/conversations/{conversationId}/files', { params: { path } });
      expect(listed.data?.items.map((f) => f.id)).toEqual([file.id]);

      const removed = await ada.DELETE('/messages/{messageId}', {
        params: { path: { messageId: first.id } },
      });
      expect(removed.data).toMatchObject({ text: '', deletedAt: expect.any(String) });
      const refreshed = await anon.POST('/auth/refresh', {
        body: { refreshToken: benAuth.refreshToken },
      });
      expect(refreshed.data?.user.id).toBe(benAuth.user.id);
      const unauth = await createClient<paths>({ baseUrl, fetch }).GET('/users/me');
      expect(unauth.response.status).toBe(401);
      // Answers the document did not describe: none.
      expect(problems).toEqual([]);
    });
  },
);

describe('the event protocol document', () => {
  it('is a valid AsyncAPI 3 document that describes every event', async () => {
    const { Parser } = await import('@asyncapi/parser');
    await using server = await startTestServer();
    const document = (await (await fetch(`${server.url}/asyncapi.json`)).json()) as {
      components: { schemas: Record<string, unknown> };
    };
    const { diagnostics } = await new Parser().parse(JSON.stringify(document));
    // Severity 0 = error (1 warning, 2 info, 3 hint).
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'MessageCreatedEvent',
        'ReceiptEvent',
        'TypingEvent',
        'PresenceEvent',
        'Message',
      ]),
    );
  });
});
