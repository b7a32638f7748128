import { sample } from 'openapi-sampler';

// Makes the generated REST document complete for linters and generators, generically: an
// operation added to any router later gets all of this with no work of its own. Redocly's
// `recommended` and Spectral's `oas` rulesets pass with zero errors and zero warnings
// (apps/server/test/rest-lint.test.ts).

/** Descriptions of the tags (a path's first segment); a new feature gets a default one. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  auth: 'Accounts and sessions: register, log in (password or one-time code), refresh, log out. No bearer token needed.',
  users: 'Profiles, user search, your own account and settings.',
  conversations:
    'Direct chats and groups as conversations: lists with unread counts, members, receipts, typing, history and sending.',
  messages: 'One message: read, edit, delete, reactions, receipt status, search.',
  groups: 'Group chats: create, rename, members and their roles, leave.',
  broadcasts: 'Broadcast lists: one message delivered into each recipient’s direct chat.',
  files: 'Attachments: upload (multipart), download with Range and ETag, thumbnails, metadata.',
  uploads: 'Resumable uploads (tus 1.0) for large files on unreliable networks.',
  presence: 'Online state and last seen.',
  notifications: 'Offline notifications: Web Push subscriptions and settings.',
  events:
    'The live event stream over Server-Sent Events (the WebSocket protocol is in /asyncapi.json).',
  admin: 'Moderation and administration (moderators and admins only).',
};

type Json = Record<string, unknown>;
interface Operation extends Json {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Json[];
  requestBody?: { content?: Record<string, Json> };
  responses?: Record<string, { content?: Record<string, Json> }>;
}
interface OpenApi extends Json {
  info: Json;
  servers?: Json[];
  tags?: Json[];
  paths: Record<string, Record<string, Operation | unknown>>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** `/conversations/{id}/messages` is tagged `conversations`. */
export function tagOf(path: string): string {
  return path.split('/').find((segment) => segment && !segment.startsWith('{')) ?? 'default';
}

/** Strings tried, in order, for a string schema without an example of its own. */
const STRING_CANDIDATES = [
  '01JF0000000000000000000000', // an id (ULID)
  'Example text',
  'example',
  'correct-horse-battery',
  '123456',
  'a',
  '0',
];
const FORMATS: Record<string, string> = {
  'date-time': '2026-12-01T10:00:00.000Z',
  date: '2026-12-01',
  email: 'ada@example.com',
  uri: 'https://example.com/path',
  url: 'https://example.com/path',
  uuid: '01936b2e-1c9f-7a2b-9c3d-4e5f6a7b8c9d',
};

/** A string schema's patterns: its own and those of its `allOf` parts (zod's `.regex()`s). */
function patternsOf(schema: Json): string[] {
  const parts = [schema, ...((schema.allOf as Json[] | undefined) ?? [])];
  return parts.map((part) => part.pattern).filter((p): p is string => typeof p === 'string');
}

function fitsString(schema: Json, value: string): boolean {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) return false;
  return patternsOf(schema).every((pattern) => new RegExp(pattern, 'u').test(value));
}

/**
 * An example value that satisfies `schema` (so example validators pass): the schema's own
 * example, default, const or first enum value when it has one; otherwise built from its type,
 * formats, lengths, bounds and patterns (openapi-sampler for patterns nothing else fits).
 */
export function exampleOf(schema: unknown, document: OpenApi, depth = 0): unknown {
  let s = (schema ?? {}) as Json;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').at(-1)!;
    const components = (document.components as { schemas?: Record<string, Json> }) ?? {};
    s = components.schemas?.[name] ?? {};
  }
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (depth > 8) return null;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key] as Json[] | undefined;
    if (branches) {
      const branch = branches.find((b) => b.type !== 'null') ?? branches[0];
      return exampleOf(branch, document, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.type !== 'string') {
    return Object.assign({}, ...s.allOf.map((part) => exampleOf(part, document, depth + 1)));
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object':
    case undefined: {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      if (type === undefined && !s.properties) return {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [
          key,
          exampleOf(value, document, depth + 1),
        ]),
      );
    }
    case 'array': {
      const count = typeof s.minItems === 'number' ? Math.max(1, s.minItems) : 1;
      const item = exampleOf(s.items, document, depth + 1);
      return Array.from({ length: count }, () => item);
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : undefined;
      const exclusive = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
      const max = typeof s.maximum === 'number' ? s.maximum : undefined;
      const value = min ?? exclusive ?? 1;
      return max !== undefined ? Math.min(value, max) : value;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    default: {
      const format = typeof s.format === 'string' ? FORMATS[s.format] : undefined;
      const candidates = [
        ...(format ? [format] : []),
        ...STRING_CANDIDATES,
        typeof s.minLength === 'number' ? 'a'.repeat(s.minLength) : 'a',
      ];
      const fit = candidates.find((value) => fitsString(s, value));
      if (fit !== undefined) return fit;
      // The most specific pattern, sampled a few times until the value fits them all.
      const patterns = patternsOf(s).sort((a, b) => b.length - a.length);
      for (const pattern of patterns.slice(0, 1)) {
        for (let attempt = 0; attempt < 5; attempt += 1) {
          // openapi-sampler writes optional groups out literally: leave them out first.
          const required = pattern.replace(/\((?:[^()\\]|\\.)*\)[?*]/g, '');
          const sampled = sample(
            { type: 'string', pattern: required } as never,
            { enablePatterns: true, quiet: true },
            document,
          );
          if (typeof sampled === 'string' && fitsString(s, sampled)) return sampled;
        }
      }
      return candidates[0];
    }
  }
}

function sentence(text: string): string {
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}

export interface PolishOptions {
  /** Absolute public URL of this server (`PUBLIC_URL`): servers become absolute. */
  publicUrl?: string;
}

export function polishDocument(document: OpenApi, options: PolishOptions = {}): void {
  document.info.contact ??= {
    name: 'Parley operators',
    ...(options.publicUrl ? { url: options.publicUrl } : {}),
  };
  // Parley is a private, unpublished package (package.json "private": true); the document's
  // license says so in npm's words instead of claiming one.
  document.info.license ??= { name: 'UNLICENSED', identifier: 'UNLICENSED' };
  if (options.publicUrl) {
    const base = options.publicUrl.replace(/\/+$/, '');
    document.servers = (document.servers ?? [{ url: '/api/v1' }]).map((server) => ({
      ...server,
      url: String(server.url).startsWith('/') ? `${base}${server.url}` : server.url,
    }));
  }
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    if (options.publicUrl && Array.isArray(item.servers)) {
      const base = options.publicUrl.replace(/\/+$/, '');
      item.servers = (item.servers as Json[]).map((server) => ({
        ...server,
        url: String(server.url).startsWith('/') ? `${base}${server.url}` : server.url,
      }));
    }
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const operation = value as Operation;
      if (!operation.tags?.length) operation.tags = [tagOf(path)];
      for (const tag of operation.tags) tags.add(tag);
      if (!operation.description && operation.summary) {
        operation.description = sentence(operation.summary);
      }
      // Operations without a bearer requirement are public: say so explicitly.
      operation.security ??= [];
      for (const parameter of operation.parameters ?? []) {
        if (
          parameter.example === undefined &&
          parameter.examples === undefined &&
          parameter.schema
        ) {
          parameter.example = exampleOf(parameter.schema, document);
        }
      }
      for (const media of Object.values(operation.requestBody?.content ?? {})) {
        addExample(media, document);
      }
      for (const response of Object.values(operation.responses ?? {})) {
        for (const media of Object.values(response.content ?? {})) addExample(media, document);
      }
    }
  }
  const known = new Map((document.tags ?? []).map((t) => [String(t.name), t]));
  document.tags = [...tags].sort().map(
    (name) =>
      known.get(name) ?? {
        name,
        description: TAG_DESCRIPTIONS[name] ?? `Operations under /${name}.`,
      },
  );
}

/** JSON media gets an example from its schema; binary and event streams keep what they have. */
function addExample(media: Json, document: OpenApi): void {
  if (media.example !== undefined || media.examples !== undefined || !media.schema) return;
  const schema = media.schema as Json;
  if (schema.format === 'binary') return;
  media.example = exampleOf(schema, document);
}
