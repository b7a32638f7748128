// Issue 14, item 9: the REST document describes what the server does.
import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('the REST surface matches its document (issue 14, item 9)', (dialect) => {
  it('bounds seqs to what both databases hold, answers 405 with Allow, decodes path parameters', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    const chat = await ada.client.conversations.openDirect.mutate({ userId: ben.id });
    const auth = { authorization: `Bearer ${ada.auth.accessToken}` };
    const api = `${server.url}/api/v1`;
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string; schema: unknown }[] }>>;
    };

    // int4 on PostgreSQL: 2^31 is refused as input, not a database failure.
    for (const query of ['before=2147483648', 'after=9007199254740991']) {
      const res = await fetch(`${api}/conversations/${chat.id}/messages?${query}`, {
        headers: auth,
      });
      expect(res.status).toBe(400);
    }
    const ok = await fetch(`${api}/conversations/${chat.id}/messages?before=2147483647`, {
      headers: auth,
    });
    expect(ok.status).toBe(200);
    const list = document.paths['/conversations/{conversationId}/messages']!.get!;
    expect(JSON.stringify(list.parameters)).toContain('"maximum":2147483647');

    // A query string carries no JSON null: the document declares no nullable query parameter
    // (left out is null), `?before=null` is a text where an integer belongs and is refused,
    // and tRPC clients may still send a JSON null.
    const parameters = Object.values(document.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => operation.parameters ?? []);
    expect(JSON.stringify(parameters)).not.toContain('"null"');
    for (const query of ['before=null', 'after=null']) {
      const res = await fetch(`${api}/conversations/${chat.id}/messages?${query}`, {
        headers: auth,
      });
      expect(res.status).toBe(400);
    }
    const firstPage = await fetch(`${api}/conversations?cursor=null`, { headers: auth });
    expect(firstPage.status).toBe(200);
    const viaTrpc = await ada.client.messages.list.query({ conversationId: chat.id, before: null });
    expect(viaTrpc.hasMore).toBe(false);

    // A method the path lacks: 405 with Allow, not 404.
    const wrong = await fetch(`${api}/conversations/${chat.id}/messages`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect((await fetch(`${api}/nowhere`, { headers: auth })).status).toBe(404);

    // Percent-encoded path parameters are decoded before their checks.
    const encoded = [...ben.id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const profile = await fetch(`${api}/users/${encoded}`, { headers: auth });
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { id: string }).id).toBe(ben.id);

    // tus HEAD without credentials: 401 without claiming a JSON body (the Node adapter adds a
    // text/plain type to every bodiless answer; the document declares no content).
    const head = await fetch(`${api}/uploads/01ABC`, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0' },
    });
    expect(head.status).toBe(401);
    expect(head.headers.get('content-type')).not.toContain('json');
    const headDoc = document.paths['/uploads/{uploadId}']!.head as unknown as {
      responses: Record<string, { content?: unknown }>;
    };
    expect(headDoc.responses['401']).toBeDefined();
    expect(headDoc.responses['401']!.content).toBeUndefined();

    // Push keys are documented as what they must be: base64url of 65 bytes starting 0x04 (an
    // uncompressed point) and of 16 bytes (audit-rest-inputs.test.ts checks them in depth).
    const push = JSON.stringify(document.paths['/notifications/push-subscriptions']);
    expect(push).toContain('^B[A-P][A-Za-z0-9_-]{85}(=)?$');
    expect(push).toContain('{22}');
  });
});
