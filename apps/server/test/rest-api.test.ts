import { readFile } from 'node:fs/promises';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describeEachDialect } from '@parley/db/testing';
import { describe, expect, it } from 'vitest';
import { renderSnapshot } from '../scripts/generate-openapi.ts';
import { renderClientTypes, SNAPSHOT } from '../scripts/openapi-client.ts';
import { restFlow } from './helpers/rest-flow.ts';
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
      await restFlow(server);
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
