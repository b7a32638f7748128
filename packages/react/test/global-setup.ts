import { startTestServer, type TestServer } from '@parley/server/testing';
import type { TestProject } from 'vitest/node';

let server: TestServer | undefined;

/**
 * The real server, started in Node before the DOM tests (the server cannot run inside the
 * happy-dom environment). happy-dom's page is http://localhost:3000: the server allows that
 * origin, as it would a real browser app's.
 */
export async function setup(project: TestProject) {
  server = await startTestServer({ env: { CORS_ORIGINS: 'http://localhost:3000' } });
  project.provide('parleyUrl', server.url);
}

export async function teardown() {
  await server?.[Symbol.asyncDispose]();
}
