import createClient from 'openapi-fetch';
import { expect } from 'vitest';
import type { paths } from '../generated/parley-api.gen.ts';
import { validatingFetch } from './openapi-validate.ts';

/**
 * The whole REST flow with a client generated from the document (openapi-typescript +
 * openapi-fetch): accounts, a direct chat, messages, edits, reactions, receipts, presence,
 * search, a file, deletion, refresh. Every answer is checked against the document. Run on the
 * test server (rest-api.test.ts) and on the production build (production-build.test.ts).
 */
export async function restFlow(server: { url: string }): Promise<void> {
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
  expect(reacted.data?.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [benAuth.user.id] }]);
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
}
