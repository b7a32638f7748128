// Issue 14, item 9: a property-based test of the REST document. For every operation of the
// served /openapi.json it sends inputs generated from the document's own JSON schemas (path
// and query parameters, JSON bodies), as a registered user, on both dialects:
// - never a 5xx;
// - documented-invalid inputs are refused with a 4xx;
// - documented-valid inputs are accepted (2xx) or refused with a status the operation
//   documents, and never refused as invalid input (a 400 carrying zod `issues`);
// - every answer's status and JSON body match the document (helpers/openapi-validate.ts).
// A failure prints fast-check's shrunk counterexample and seed; PARLEY_FC_SEED replays a run.
import { createECDH, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeEachDialect } from '@parley/db/testing';
import { Ajv, type ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { afterAll, beforeAll, it } from 'vitest';
import webpush from 'web-push';
import { SNAPSHOT } from '../scripts/openapi-client.ts';
import { registerUsers } from './helpers/clients.ts';
import { makePng, uploadRaw } from './helpers/files.ts';
import { responseProblem } from './helpers/openapi-validate.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** One request: the path with its parameters filled in, query pairs, a JSON body (or none). */
interface Request {
  path: string;
  query: [string, string][];
  body?: unknown;
}

// Not generated here: the byte routes speak multipart and the tus protocol (headers and
// octet-stream bodies; files*.test.ts cover their refusals). Every other operation runs,
// including the auth routes: they only ever see generated emails and tokens, so the test
// user's own session is never touched.
const SKIPPED = [/^post \/files$/, /^\w+ \/uploads/, /^get \/events\.subscribe$/];
const NO_NUL = '^[^\\u0000]*$';
const VALID_RUNS = 20;
const INVALID_RUNS = 12;
const vapid = webpush.generateVAPIDKeys();

const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Document;
// Destructive operations last, so the others still find the fixtures they act on.
const destructive = (method: string, path: string) =>
  method === 'delete' || path.endsWith('/leave') || path.endsWith('/members/{userId}');
const operations = Object.entries(snapshot.paths)
  .flatMap(([path, item]) =>
    Object.keys(item)
      // A path item also holds `servers` (the SSE stream's) and `parameters`: not operations.
      .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head'].includes(key))
      .map((method) => ({ method, path })),
  )
  .filter(({ method, path }) => !SKIPPED.some((skip) => skip.test(`${method} ${path}`)))
  .sort((a, b) => Number(destructive(a.method, a.path)) - Number(destructive(b.method, b.path)));

/** Strings that have broken servers before: reserved words, separators, non-ASCII. */
const EDGE_STRINGS = [
  'null',
  'undefined',
  '0',
  '-1',
  ' ',
  '%',
  '%00',
  'a/b',
  '?x=1',
  '#',
  '\\',
  "'",
  '"',
  'é',
  '👍',
  '\u202e',
  '<script>',
  '\ud83d\ude00\ud83d\ude00',
];

/** Arbitraries for a document's JSON schemas, valid and invalid. */
class Generator {
  private readonly ajv = new Ajv({ strict: false, validateFormats: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    private readonly document: Document,
    /** Real ids by parameter or property name, mixed into the generated strings. */
    private readonly pools: Record<string, string[]>,
  ) {
    this.ajv.addSchema({ components: document.components }, 'openapi');
  }

  resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    return this.resolve(this.document.components.schemas[name]!);
  }

  /** Whether `value` is valid under `schema` as the document says (JSON Schema, via ajv). */
  isValid(schema: Schema, value: unknown): boolean {
    const text = JSON.stringify(schema).replaceAll('"#/components', '"openapi#/components');
    let validate = this.validators.get(text);
    if (!validate) {
      validate = this.ajv.compile(JSON.parse(text));
      this.validators.set(text, validate);
    }
    return validate(value) as boolean;
  }

  private types(schema: Schema): string[] {
    if (Array.isArray(schema.type)) return schema.type;
    return schema.type ? [schema.type] : [];
  }

  /** Values valid under `schema`; `name` picks a pool of real ids. */
  valid(input: Schema, name = ''): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const branches = schema.anyOf ?? schema.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => this.valid(b, name)));
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const types = this.types(schema);
    if (types.length > 1) {
      return fc.oneof(...types.map((type) => this.valid({ ...schema, type }, name)));
    }
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const min = schema.minimum ?? -(2 ** 31);
        const max = schema.maximum ?? 2 ** 31 - 1;
        return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
      }
      case 'number':
        return fc.double({
          min: schema.minimum,
          max: schema.maximum,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'string':
        return this.validString(schema, name);
      case 'array': {
        const item = this.valid(schema.items ?? {}, name);
        const minLength = schema.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 5, 5));
        return fc.array(item, { minLength, maxLength });
      }
      case 'object': {
        const properties = Object.entries(schema.properties ?? {});
        return fc.record(
          Object.fromEntries(properties.map(([key, value]) => [key, this.valid(value, key)])),
          { requiredKeys: schema.required ?? [] },
        );
      }
      default:
        return fc.jsonValue();
    }
  }

  private patterns(schema: Schema): string[] {
    return [schema.pattern, ...(schema.allOf ?? []).map((s) => s.pattern)].filter(
      (p): p is string => typeof p === 'string',
    );
  }

  private validString(schema: Schema, name: string): fc.Arbitrary<string> {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 200;
    const patterns = this.patterns(schema);
    const specific = patterns.filter((p) => p !== NO_NUL);
    const arbitraries: fc.Arbitrary<string>[] = [];
    if (specific.length > 0) {
      arbitraries.push(fc.stringMatching(new RegExp(specific[0]!)));
    } else {
      const maxLength = Math.max(min, Math.min(max, 40));
      arbitraries.push(
        fc.string({ minLength: min, maxLength, unit: 'grapheme-ascii' }),
        fc.string({ minLength: min, maxLength, unit: 'binary' }),
        fc.constantFrom(...EDGE_STRINGS),
        fc.constantFrom('a'.repeat(Math.max(min, 1)), 'a'.repeat(max), 'é'.repeat(max)),
      );
    }
    const pool = this.pools[name];
    const base = fc.oneof(...arbitraries);
    const withPool = pool
      ? fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 3 }, base)
      : base;
    return withPool.filter((value) => this.isValid(schema, value));
  }

  /** Values invalid under `schema` (undefined when the schema allows anything). */
  invalid(input: Schema, name = ''): fc.Arbitrary<unknown> | undefined {
    const schema = this.resolve(input);
    const candidates: fc.Arbitrary<unknown>[] = [];
    const branches = schema.anyOf ?? schema.oneOf;
    const types = this.types(schema);
    if (branches) {
      for (const branch of branches) {
        const bad = this.invalid(branch, name);
        if (bad) candidates.push(bad);
      }
    }
    // Values of the wrong JSON type, a body that is no object included: a JSON body is typed
    // strictly (only query texts are coerced to numbers and booleans).
    if (types.length > 0 || branches || schema.enum) {
      candidates.push(fc.constantFrom<unknown>('x', 1, 1.5, true, null, [], {}));
    }
    if (schema.enum) candidates.push(fc.constant('not-in-the-enum'));
    for (const type of types) {
      if (type === 'string') candidates.push(...this.invalidStrings(schema, name));
      if (type === 'integer' || type === 'number') {
        if (schema.minimum !== undefined) candidates.push(fc.constant(schema.minimum - 1));
        if (schema.maximum !== undefined) candidates.push(fc.constant(schema.maximum + 1));
        if (type === 'integer') candidates.push(fc.constantFrom(0.5, 2 ** 53));
      }
      if (type === 'array') {
        const item = this.valid(schema.items ?? {}, name);
        if (schema.maxItems !== undefined) {
          const length = schema.maxItems + 1;
          candidates.push(fc.array(item, { minLength: length, maxLength: length }));
        }
        if (schema.minItems) {
          const length = schema.minItems - 1;
          candidates.push(fc.array(item, { minLength: length, maxLength: length }));
        }
        const badItem = this.invalid(schema.items ?? {}, name);
        if (badItem)
          candidates.push(
            fc.tuple(fc.array(item, { maxLength: 2 }), badItem).map(([a, b]) => [...a, b]),
          );
      }
      if (type === 'object') {
        const valid = this.valid(schema, name) as fc.Arbitrary<Record<string, unknown>>;
        for (const key of schema.required ?? []) {
          candidates.push(valid.map(({ [key]: _, ...rest }) => rest));
        }
        if (schema.additionalProperties === false) {
          candidates.push(valid.map((o) => ({ ...o, unexpectedKey: 1 })));
        }
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          const bad = this.invalid(property, key);
          if (bad) candidates.push(fc.tuple(valid, bad).map(([o, b]) => ({ ...o, [key]: b })));
        }
      }
    }
    if (candidates.length === 0) return undefined;
    return fc.oneof(...candidates).filter((value) => !this.isValid(schema, value));
  }

  /** Strings invalid under a string schema: too long or short, NUL, off the pattern or enum. */
  private invalidStrings(schema: Schema, name: string, text = false): fc.Arbitrary<string>[] {
    const candidates: fc.Arbitrary<string>[] = [];
    if (schema.maxLength !== undefined) {
      candidates.push(fc.constant('a'.repeat(schema.maxLength + 1)));
    }
    // An empty parameter value is the parameter left out (the bridge drops it), not a text.
    const shortest = (schema.minLength ?? 0) - 1;
    if (shortest > 0 || (shortest === 0 && !text))
      candidates.push(fc.constant('a'.repeat(shortest)));
    if (this.patterns(schema).includes(NO_NUL)) {
      candidates.push(this.validString(schema, name).map((s) => `${s}\u0000`));
    }
    if (this.patterns(schema).some((p) => p !== NO_NUL)) {
      // Only texts that are off the pattern (a filter that never passes would never end).
      const off = ['not valid!', 'a', '999999', ' ', '\t', ''].filter(
        (v) => !this.isValid(schema, v) && !(text && v === ''),
      );
      if (off.length > 0) candidates.push(fc.constantFrom(...off));
    }
    if (schema.enum) candidates.push(fc.constantFrom('not-in-the-enum', 'x'));
    return candidates.map((c) => c.filter((value) => !this.isValid(schema, value)));
  }

  // Parameters travel as text: a valid value is a valid typed value written out; the invalid
  // ones are texts no valid value writes to (a number that is no integer, out of bounds, too
  // long, with NUL, outside the enum). A query parameter is never null (absent is its null),
  // and `.`/`..` cannot be path segments (URLs resolve them).

  private text(value: unknown): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  private validText(schema: Schema, name: string, inPath = false): fc.Arbitrary<string> {
    return this.valid(schema, name)
      .filter(
        (v) =>
          v !== null &&
          // Any other text travels percent-encoded and is checked once decoded.
          !(inPath && (v === '' || v === '.' || v === '..')),
      )
      .map((v) => this.text(v));
  }

  validParameter(parameter: Parameter): fc.Arbitrary<string | string[]> {
    const schema = this.resolve(parameter.schema);
    if (schema.type !== 'array')
      return this.validText(schema, parameter.name, parameter.in === 'path');
    const minLength = schema.minItems ?? 0;
    const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 5, 5));
    const item = this.validText(schema.items ?? {}, parameter.name);
    return fc.array(item, { minLength, maxLength });
  }

  invalidParameter(parameter: Parameter): fc.Arbitrary<string | string[]> | undefined {
    const schema = this.resolve(parameter.schema);
    const plain = (schema.anyOf ?? [schema])
      .map((s) => this.resolve(s))
      .find((s) => s.type !== 'null')!;
    const candidates: fc.Arbitrary<string | string[]>[] = [];
    if (plain.type === 'integer' || plain.type === 'number') {
      candidates.push(fc.constantFrom('abc', 'null', '1.5x'));
      if (plain.type === 'integer') candidates.push(fc.constant('1.5'));
      if (plain.minimum !== undefined) candidates.push(fc.constant(String(plain.minimum - 1)));
      if (plain.maximum !== undefined) candidates.push(fc.constant(String(plain.maximum + 1)));
    }
    if (plain.type === 'string') {
      candidates.push(...this.invalidStrings(plain, parameter.name, true));
    }
    if (plain.type === 'array') {
      const item = this.validText(plain.items ?? {}, parameter.name);
      if (plain.maxItems !== undefined) {
        const length = plain.maxItems + 1;
        candidates.push(fc.array(item, { minLength: length, maxLength: length }));
      }
      const itemSchema = this.resolve(plain.items ?? {});
      const badItems =
        itemSchema.type === 'string' ? this.invalidStrings(itemSchema, parameter.name, true) : [];
      for (const bad of badItems) {
        candidates.push(
          fc.tuple(fc.array(item, { maxLength: 2 }), bad).map(([items, b]) => [...items, b]),
        );
      }
    }
    if (candidates.length === 0) return undefined;
    return fc.oneof(...candidates);
  }
}

function requestOf(
  template: string,
  path: Record<string, string | string[]>,
  query: Record<string, string | string[]>,
  body?: unknown,
): Request {
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(String(path[name])),
  );
  const pairs = Object.entries(query).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v): [string, string] => [key, v]),
  );
  return { path: filled, query: pairs, body };
}

/** Arbitrary requests to one operation: all valid, or one part of one made invalid. */
function requests(
  generator: Generator,
  template: string,
  operation: Operation,
): { valid: fc.Arbitrary<Request>; invalid?: fc.Arbitrary<Request> } {
  const parameters = (operation.parameters ?? []).filter(
    (p) => p.in === 'path' || p.in === 'query',
  );
  const pathParameters = parameters.filter((p) => p.in === 'path');
  const queryParameters = parameters.filter((p) => p.in === 'query');
  const bodySchema = operation.requestBody?.content['application/json']?.schema;
  const validPath = fc.record(
    Object.fromEntries(pathParameters.map((p) => [p.name, generator.validParameter(p)])),
  );
  const validQuery = fc.record(
    Object.fromEntries(queryParameters.map((p) => [p.name, generator.validParameter(p)])),
    { requiredKeys: queryParameters.filter((p) => p.required).map((p) => p.name) },
  );
  const validBody = bodySchema ? generator.valid(bodySchema) : fc.constant(undefined);
  const valid = fc
    .tuple(validPath, validQuery, validBody)
    .map(([path, query, body]) => requestOf(template, path, query, body));

  const broken: fc.Arbitrary<Request>[] = [];
  for (const parameter of parameters) {
    const bad = generator.invalidParameter(parameter);
    const into = parameter.in === 'path' ? 0 : 1;
    if (bad) {
      broken.push(
        fc.tuple(validPath, validQuery, validBody, bad).map(([path, query, body, value]) => {
          const parts = [{ ...path }, { ...query }];
          parts[into]![parameter.name] = value;
          return requestOf(template, parts[0]!, parts[1]!, body);
        }),
      );
    }
    if (parameter.in === 'query' && parameter.required) {
      broken.push(
        fc.tuple(validPath, validQuery, validBody).map(([path, query, body]) => {
          const { [parameter.name]: _, ...rest } = query;
          return requestOf(template, path, rest, body);
        }),
      );
    }
  }
  const badBody = bodySchema ? generator.invalid(bodySchema) : undefined;
  if (badBody) {
    broken.push(
      fc
        .tuple(validPath, validQuery, badBody)
        .map(([path, query, body]) => requestOf(template, path, query, body)),
    );
  }
  return { valid, invalid: broken.length > 0 ? fc.oneof(...broken) : undefined };
}

describeEachDialect('REST operations under generated inputs (issue 14, item 9)', (dialect) => {
  let server: TestServer;
  let token: string;
  let document: Document;
  let generator: Generator;

  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      // Rate limits would answer 429 (documented) and hide what the handlers do.
      env: {
        SEND_RATE_LIMIT: '1000000',
        LOGIN_RATE_LIMIT: '1000000',
        OTP_RATE_LIMIT: '1000000',
        OTP_IP_RATE_LIMIT: '1000000',
        // Web Push on, so push subscriptions reach the endpoint and key checks.
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@example.com',
      },
    });
    const [ada, ben, cy] = await registerUsers(server, 'Ada', 'Ben', 'Cy');
    token = ada.auth.accessToken;
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
    const api = async <T>(method: string, path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const direct = await api<{ id: string }>('POST', '/conversations', { userId: ben.id });
    const group = await api<{ id: string }>('POST', '/groups', {
      name: 'Props',
      userIds: [ben.id, cy.id],
    });
    const message = await api<{ id: string }>('POST', `/conversations/${direct.id}/messages`, {
      clientMessageId: 'fixture-1',
      text: 'hello',
    });
    const groupMessage = await api<{ id: string }>('POST', `/conversations/${group.id}/messages`, {
      clientMessageId: 'fixture-2',
      text: 'hello group',
    });
    const list = await api<{ id: string }>('POST', '/broadcasts', {
      name: 'List',
      recipientIds: [ben.id, cy.id],
    });
    const send = await api<{ id: string }>('POST', `/broadcasts/${list.id}/messages`, {
      clientMessageId: 'fixture-3',
      text: 'to all',
    });
    const upload = await uploadRaw(server, ada, await makePng(8, 8), 'a.png', 'image/png');
    const file = (await upload.json()) as { id: string };
    const users = [ada.id, ben.id, cy.id];
    const files = [file.id];
    generator = new Generator(document, {
      userId: users,
      userIds: users,
      recipientIds: users,
      conversationId: [direct.id, group.id],
      messageId: [message.id, groupMessage.id],
      replyToId: [message.id, groupMessage.id],
      groupId: [group.id],
      broadcastId: [list.id],
      sendId: [send.id],
      fileId: files,
      avatarFileId: files,
      attachments: files,
      emoji: ['👍', '❤️'],
      endpoint: ['https://fcm.googleapis.com/fcm/send/property-test'],
      p256dh: [createECDH('prime256v1').generateKeys('base64url')],
      auth: [randomBytes(16).toString('base64url')],
    });
  }, 60_000);

  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  for (const { method, path } of operations) {
    it(`${method.toUpperCase()} ${path}`, { timeout: 60_000 }, async () => {
      const operation = document.paths[path]![method]!;
      const arbitraries = requests(generator, path, operation);
      const seed = process.env.PARLEY_FC_SEED ? Number(process.env.PARLEY_FC_SEED) : undefined;

      const send = async (request: Request) => {
        const url = new URL(`${server.url}/api/v1${request.path}`);
        for (const [key, value] of request.query) url.searchParams.append(key, value);
        const hasBody = request.body !== undefined;
        const response = await fetch(url, {
          method: method.toUpperCase(),
          headers: {
            authorization: `Bearer ${token}`,
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          body: hasBody ? JSON.stringify(request.body) : undefined,
        });
        const text = await response.clone().text();
        const where = `${method.toUpperCase()} ${url.pathname}${url.search} ${hasBody ? JSON.stringify(request.body).slice(0, 300) : ''} -> ${response.status} ${text.slice(0, 300)}`;
        if (response.status >= 500) throw new Error(`server error: ${where}`);
        const problem = await responseProblem(
          method,
          url.pathname.slice('/api/v1'.length),
          response,
        );
        if (problem) throw new Error(`${problem}\n  ${where}`);
        return { status: response.status, text, where };
      };

      await fc.assert(
        fc.asyncProperty(arbitraries.valid, async (request) => {
          const { status, text, where } = await send(request);
          if (status === 400 && /"issues":\[\{/.test(text)) {
            throw new Error(`documented-valid input refused as invalid: ${where}`);
          }
        }),
        { numRuns: VALID_RUNS, seed },
      );
      if (arbitraries.invalid) {
        await fc.assert(
          fc.asyncProperty(arbitraries.invalid, async (request) => {
            const { status, where } = await send(request);
            if (status < 400) throw new Error(`documented-invalid input accepted: ${where}`);
          }),
          { numRuns: INVALID_RUNS, seed },
        );
      }
    });
  }
});
