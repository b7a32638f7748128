// Issue 14, item 9: the REST document and the server agree on inputs the property test
// (rest-properties.test.ts) used to leave out: percent-encoded path parameters, JSON body types
// (no coercion), non-object bodies, the Web Push endpoint allowlist and the push keys' shape.
import { createECDH, randomBytes } from 'node:crypto';
import { describeEachDialect } from '@parley/db/testing';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import webpush from 'web-push';
import { errorCode, registerUsers, type TestUser } from './helpers/clients.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

interface ErrorBody {
  code: string;
  message: string;
  issues?: { path: (string | number)[]; code: string }[];
}
interface SchemaObject {
  description?: string;
  properties?: Record<string, SchemaObject>;
  [key: string]: unknown;
}

const vapid = webpush.generateVAPIDKeys();
const realKey = () => createECDH('prime256v1').generateKeys('base64url');

describeEachDialect('REST inputs as documented (issue 14, item 9)', (dialect) => {
  let server: TestServer;
  let ada: TestUser;
  let ben: TestUser;
  let conversationId: string;
  let document: {
    paths: Record<string, Record<string, { description?: string; requestBody?: unknown }>>;
  };

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@example.com',
      },
    });
    [ada, ben] = await registerUsers(server, 'Ada', 'Ben');
    conversationId = (await ada.client.conversations.openDirect.mutate({ userId: ben.id })).id;
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as typeof document;
  }, 60_000);

  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  /** A REST call as Ada; `body` is sent as given (a string is sent as raw JSON text). */
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ada.auth.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as ErrorBody & Record<string, unknown> };
  };
  const registerSchema = () =>
    (
      document.paths['/notifications/push-subscriptions']!.post!.requestBody as {
        content: { 'application/json': { schema: SchemaObject } };
      }
    ).content['application/json'].schema;

  it('matches paths case-sensitively: /users/mE is a user id, not /users/me', async () => {
    // The property test found /users/mE answered with /users/me's body (the bridge matched
    // paths ignoring case), which /users/{userId}'s documented schema does not allow.
    const me = await call('GET', '/users/me');
    expect(me).toMatchObject({ status: 200, body: { id: ada.id, email: expect.any(String) } });
    for (const path of ['/users/mE', '/users/ME', '/Users/me']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.email, path).toBeUndefined();
    }
  });

  it('checks a path parameter against its documented bounds after percent-decoding', async () => {
    const encoded = (id: string) => encodeURIComponent(id);
    // 64 characters is within maxLength 64, although its encoding is 384 long: a valid id that
    // names nothing.
    const longest = await call('GET', `/conversations/${encoded('é'.repeat(64))}`);
    expect(longest.status).toBe(404);
    expect(longest.body.code).toBe('NOT_FOUND');
    // 65 is one too many: refused as invalid, naming the parameter.
    const over = await call('GET', `/conversations/${encoded('é'.repeat(65))}`);
    expect(over.status).toBe(400);
    expect(over.body.issues?.[0]?.path).toEqual(['conversationId']);
    // A real id written fully percent-encoded is that id.
    const spelled = [...conversationId]
      .map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
      .join('');
    const found = await call('GET', `/conversations/${spelled}`);
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(conversationId);
    // Reserved characters arrive as themselves too: "a/b" is one (unknown) id, not two segments.
    expect((await call('GET', `/conversations/${encoded('a/b?c')}`)).status).toBe(404);
  });

  it('refuses JSON body values of the wrong type instead of coercing them (query texts still coerce)', async () => {
    const read = `/conversations/${conversationId}/read`;
    for (const upToSeq of [true, '5', [], {}]) {
      const answer = await call('POST', read, { upToSeq });
      expect(answer.status, JSON.stringify(upToSeq)).toBe(400);
      expect(answer.body.code).toBe('BAD_REQUEST');
      expect(answer.body.issues?.map((i) => i.path)).toEqual([['upToSeq']]);
    }
    expect((await call('POST', read, { upToSeq: 0 })).status).toBe(200);
    expect((await call('POST', read, { upToSeq: null })).status).toBe(200);
    // A boolean field, a nested array item and a nested object field.
    const typing = await call('POST', `/conversations/${conversationId}/typing`, {
      isTyping: 'x',
    });
    expect(typing.status).toBe(400);
    expect(typing.body.issues?.map((i) => i.path)).toEqual([['isTyping']]);
    const group = await call('POST', '/groups', { name: 'G', userIds: [ben.id, 7] });
    expect(group.status).toBe(400);
    expect(group.body.issues?.map((i) => i.path)).toEqual([['userIds', 1]]);
    const keys = await call('POST', '/notifications/push-subscriptions', {
      endpoint: 'https://fcm.googleapis.com/fcm/send/typed',
      keys: { p256dh: realKey(), auth: 16 },
    });
    expect(keys.status).toBe(400);
    expect(keys.body.issues?.map((i) => i.path)).toEqual([['keys', 'auth']]);
    // Query parameters are texts by nature: `limit=2` is still the number 2.
    const page = await call('GET', `/conversations/${conversationId}/messages?limit=2`);
    expect(page.status).toBe(200);
    // And the bridge's coercion stays in the bridge: after the REST calls above went through
    // the same procedures, tRPC inputs are still typed strictly.
    const sloppy = { conversationId, upToSeq: '1' } as unknown as { conversationId: string };
    expect(await errorCode(ada.client.conversations.markRead.mutate(sloppy))).toBe('BAD_REQUEST');
    const notBoolean = { conversationId, isTyping: 'x' } as unknown as {
      conversationId: string;
      isTyping: boolean;
    };
    expect(await errorCode(ada.client.typing.set.mutate(notBoolean))).toBe('BAD_REQUEST');
  });

  it('refuses a JSON body that is not an object, even when every body field is optional', async () => {
    const { id: groupId } = (await call('POST', '/groups', { name: 'G', userIds: [ben.id] }))
      .body as unknown as { id: string };
    for (const body of ['[]', '"x"', '5', 'null', 'true']) {
      for (const [method, path] of [
        ['PATCH', `/groups/${groupId}`],
        ['POST', `/conversations/${conversationId}/read`],
        // No documented body at all: an empty object is fine, anything else is not.
        ['POST', `/groups/${groupId}/leave`],
      ] as const) {
        const answer = await call(method, path, body);
        expect(answer.status, `${method} ${path} ${body}`).toBe(400);
        expect(answer.body.code).toBe('BAD_REQUEST');
        expect(answer.body.issues?.[0]?.path).toEqual([]);
      }
    }
    expect((await call('PATCH', `/groups/${groupId}`, {})).status).toBe(200);
    expect((await call('POST', `/groups/${groupId}/leave`, {})).status).toBe(200);
  });

  it('documents the push services an endpoint must belong to, and enforces exactly that', async () => {
    const operation = document.paths['/notifications/push-subscriptions']!.post!;
    const endpoint = registerSchema().properties!.endpoint!;
    for (const text of [operation.description ?? '', endpoint.description ?? '']) {
      for (const host of [
        'fcm.googleapis.com',
        '*.push.services.mozilla.com',
        '*.push.apple.com',
        '*.notify.windows.com',
        'PUSH_ENDPOINT_HOSTS',
      ]) {
        expect(text).toContain(host);
      }
    }
    // The shape the schema can say (an http(s) URL); the hosts are in the description.
    const shape = new Ajv({ strict: false }).compile(endpoint);
    expect(shape('https://fcm.googleapis.com/x')).toBe(true);
    expect(shape('ftp://fcm.googleapis.com/x')).toBe(false);
    const keys = { p256dh: realKey(), auth: randomBytes(16).toString('base64url') };
    const register = (url: string) =>
      call('POST', '/notifications/push-subscriptions', { endpoint: url, keys });
    for (const allowed of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://web.push.apple.com/QH3',
      'https://wns2-par02p.notify.windows.com/w/?token=abc',
    ]) {
      expect((await register(allowed)).status, allowed).toBe(200);
    }
    for (const refused of [
      'https://evil.example.com/push',
      'http://fcm.googleapis.com/fcm/send/abc',
      'https://user:pw@fcm.googleapis.com/x',
      'https://169.254.169.254/latest',
    ]) {
      const answer = await register(refused);
      expect(answer.status, refused).toBe(400);
      expect(answer.body.message).toContain('endpoint is not a known push service');
    }
  });

  it('documents push keys as base64url of a P-256 point (65 bytes) and 16 bytes, as it checks them', async () => {
    const schema = registerSchema().properties!.keys!;
    const ajv = new Ajv({ strict: false });
    const documented = ajv.compile(schema);
    expect(schema.properties!.p256dh!.minLength).toBe(87);
    expect(schema.properties!.p256dh!.maxLength).toBe(88);
    expect(schema.properties!.auth!.minLength).toBe(22);
    expect(schema.properties!.auth!.maxLength).toBe(24);
    expect(schema.properties!.p256dh!.description).toContain('P-256');
    const auth = randomBytes(16).toString('base64url');
    const key = realKey();
    const candidates = [
      { p256dh: key, auth },
      { p256dh: `${key}=`, auth: `${auth}==` },
      // The right length, but not an uncompressed point (0x04 first): off the pattern.
      { p256dh: 'A'.repeat(87), auth },
      { p256dh: `C${key.slice(1)}`, auth },
      // An uncompressed point's shape, but (0, 0) is not on the curve.
      { p256dh: `BA${'A'.repeat(85)}`, auth },
      { p256dh: key, auth: `${auth}A` },
      { p256dh: key.slice(0, 86), auth },
    ];
    for (const keys of candidates) {
      const answer = await call('POST', '/notifications/push-subscriptions', {
        endpoint: 'https://fcm.googleapis.com/fcm/send/keys',
        keys,
      });
      const where = JSON.stringify(keys);
      if (documented(keys)) {
        // Documented-valid: accepted, or (not on the curve) refused by the rule the
        // description states, never as input that breaks the schema.
        expect(answer.body.issues, where).toBeUndefined();
        if (answer.status !== 200) {
          expect(answer.status, where).toBe(400);
          expect(answer.body.message, where).toContain('not a point on the P-256 curve');
        }
      } else {
        expect(answer.status, where).toBe(400);
        expect(answer.body.issues?.length, where).toBeGreaterThan(0);
      }
    }
    // Both real shapes are accepted.
    expect(documented(candidates[0])).toBe(true);
    expect(documented(candidates[1])).toBe(true);
    expect(documented(candidates[4])).toBe(true);
  });
});
