import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgSchema, type Dialect, type PgSchema } from '@parley/db/testing';
import { loadConfig, type ParleyServer, startServer } from '../../src/index.ts';
import type { AppLogger } from '../../src/logger.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Wall clock plus an offset the test can move forward (edit windows, token expiry). */
export class TestClock {
  offsetMs = 0;
  now = () => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface TestServer extends AsyncDisposable {
  url: string;
  /** The server's DATA_DIR (SQLite file, files, upload staging). */
  dataDir: string;
  /** PostgreSQL only: the DATABASE_URL of the server's schema. */
  databaseUrl: string | undefined;
  wsUrl: string;
  clock: TestClock;
  server: ParleyServer;
  /** Stops the server and starts a new one on the same database and port. */
  restart(): Promise<void>;
}

export interface TestServerOptions {
  dialect?: Dialect;
  env?: Record<string, string>;
  /** The server's logger (a test that reads the log passes its own). */
  logger?: AppLogger;
}

/** The configuration every test server starts from: loopback, port 0, quiet, a fixed secret. */
export function testConfig(
  dataDir: string,
  databaseUrl?: string,
  env: Record<string, string> = {},
) {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    // Suites register many users from 127.0.0.1; the tests of these limits set their own.
    REGISTER_RATE_LIMIT: '100000',
    WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    // No test reaches out for link previews unless it serves the pages itself.
    LINK_PREVIEWS: 'false',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
}

/** The real server on 127.0.0.1:0 with its own database; `await using` disposes all of it. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dialect = options.dialect ?? 'sqlite';
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
  let pg: PgSchema | undefined;
  if (dialect === 'postgres') pg = await createPgSchema();
  const clock = new TestClock();
  const config = testConfig(dataDir, pg?.url, options.env);
  let server = await startServer(config, { clock, logger: options.logger });
  const handle: TestServer = {
    dataDir,
    databaseUrl: pg?.url,
    get url() {
      return server.url;
    },
    get wsUrl() {
      return `${server.url.replace(/^http/, 'ws')}/trpc`;
    },
    clock,
    get server() {
      return server;
    },
    async restart() {
      // Same port, so clients created before the restart keep working.
      const port = server.port;
      await server.close();
      server = await startServer({ ...config, PORT: port }, { clock, logger: options.logger });
    },
    async [Symbol.asyncDispose]() {
      await server.close();
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
