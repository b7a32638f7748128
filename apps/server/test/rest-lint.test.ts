import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/http/openapi/document.ts';
import { redoclyProblems, spectralProblems } from './helpers/rest-lint.ts';
import { startTestServer } from './helpers/test-server.ts';

// Issue 18, item 6: the REST document passes the linters client teams run, with zero errors
// and zero warnings, offline. The polish is generic (apps/server/src/http/openapi/polish.ts), so
// an operation added to any router later is covered by these same gates.

type Operation = {
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { example?: unknown }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
};
type Document = {
  servers: { url: string }[];
  tags: { name: string; description: string }[];
  info: { contact?: unknown; license?: unknown };
  paths: Record<string, Record<string, Operation>>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

describe('the REST document under the linters (issue 18)', () => {
  const document = buildOpenApiDocument() as unknown as Document;

  it('has zero errors and zero warnings under Redocly (recommended)', async () => {
    expect(await redoclyProblems(document)).toEqual([]);
  }, 120_000);

  it("has zero errors and zero warnings under Spectral's oas ruleset", async () => {
    expect(await spectralProblems(document)).toEqual([]);
  }, 120_000);

  it('gives every operation tags, a description, security and request and response examples', () => {
    const tagNames = new Set(document.tags.map((t) => t.name));
    expect(document.info.contact).toBeDefined();
    expect(document.info.license).toBeDefined();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!METHODS.includes(method)) continue;
        const where = `${method} ${path}`;
        expect(operation.description, where).toBeTruthy();
        expect(operation.security, where).toBeDefined();
        for (const tag of operation.tags ?? []) expect(tagNames.has(tag), where).toBe(true);
        const requestExamples = [
          ...(operation.parameters ?? []).map((p) => p.example),
          ...Object.values(operation.requestBody?.content ?? {}).map((m) => m.example),
        ].filter((e) => e !== undefined);
        const inputs =
          (operation.parameters?.length ?? 0) +
          Object.keys(operation.requestBody?.content ?? {}).length;
        if (inputs > 0) expect(requestExamples.length, where).toBeGreaterThan(0);
        const responseExamples = Object.values(operation.responses).flatMap((r) =>
          Object.values(r.content ?? {})
            .map((m) => m.example)
            .filter((e) => e !== undefined),
        );
        const hasContent = Object.values(operation.responses).some((r) => r.content);
        if (hasContent) expect(responseExamples.length, where).toBeGreaterThan(0);
      }
    }
    for (const tag of document.tags) expect(tag.description.length).toBeGreaterThan(10);
    // The public auth operations say so explicitly.
    expect(document.paths['/auth/login']!.post!.security).toEqual([]);
    // The SSE stream is an operation of its own, with its own server (/trpc).
    const sse = document.paths['/events.subscribe']!.get!;
    expect(Object.keys(sse.responses['200']!.content!)).toEqual(['text/event-stream']);
  });

  it('names absolute servers from PUBLIC_URL in the served document', async () => {
    await using server = await startTestServer({
      env: { PUBLIC_URL: 'https://chat.example.com' },
    });
    const served = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document & {
      paths: Record<string, { servers?: { url: string }[] }>;
    };
    expect(served.servers.map((s) => s.url)).toEqual(['https://chat.example.com/api/v1']);
    expect(served.paths['/events.subscribe']!.servers!.map((s) => s.url)).toEqual([
      'https://chat.example.com/trpc',
    ]);
  });
});

describe('the event protocol document (issue 18)', () => {
  it('describes the SSE stream as a channel next to the WebSocket one, without errors', async () => {
    const { Parser } = await import('@asyncapi/parser');
    await using server = await startTestServer();
    const document = (await (await fetch(`${server.url}/asyncapi.json`)).json()) as {
      channels: Record<string, { servers: { $ref: string }[] }>;
      servers: Record<string, { protocol: string }>;
    };
    const { diagnostics } = await new Parser().parse(JSON.stringify(document));
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(Object.keys(document.channels).sort()).toEqual(['sse', 'trpc']);
    expect(document.channels.sse!.servers).toEqual([{ $ref: '#/servers/sse' }]);
    expect(document.servers.sse!.protocol).toBe('http');
  });
});
