import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgSchema, describeEachDialect } from '@parley/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { runMain } from './helpers/process.ts';
import { restFlow } from './helpers/rest-flow.ts';
import { TEST_JWT_SECRET } from './helpers/test-server.ts';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const METRICS_TOKEN = 'metrics-token-0123456789';

// The production build, made here exactly as `pnpm build` makes it (turbo runs this script).
beforeAll(() => {
  execFileSync(join(serverDir, 'node_modules/.bin/tsup'), [], { cwd: serverDir, stdio: 'pipe' });
}, 120_000);

describeEachDialect('the production build (issue 18)', (dialect) => {
  it('starts from dist/ with node alone and passes the REST flow', async () => {
    expect(existsSync(join(serverDir, 'dist/main.js'))).toBe(true);
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-prod-'));
    const pg = dialect === 'postgres' ? await createPgSchema() : undefined;
    try {
      const proc = runMain(
        {
          NODE_ENV: 'production',
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          JWT_SECRET: TEST_JWT_SECRET,
          METRICS_TOKEN,
          ...(pg ? { DATABASE_URL: pg.url } : {}),
        },
        { built: true },
      );
      const url = await proc.listening;
      const ready = await fetch(`${url}/health/ready`);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { db: { dialect } } });
      await restFlow({ url });
      // Swagger UI comes precompressed from the build (dist/swagger-ui).
      const bundle = await fetch(`${url}/docs/swagger-ui-bundle.js`, {
        headers: { 'accept-encoding': 'br' },
      });
      expect(bundle.headers.get('content-encoding')).toBe('br');
      const metrics = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(await metrics.text()).toContain(
        'parley_http_requests_total{route="/api/v1/auth/register",method="POST",status="200"} 2',
      );
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      await pg?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the production build with tracing (issue 18)', () => {
  it('loads the SDK chunk and exports spans when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    await using receiver = await startOtlpReceiver();
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-prod-otel-'));
    try {
      const proc = runMain(
        {
          NODE_ENV: 'production',
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          JWT_SECRET: TEST_JWT_SECRET,
          METRICS_TOKEN,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
        { built: true },
      );
      const url = await proc.listening;
      expect((await fetch(`${url}/api/v1/users/me`)).status).toBe(401);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      const http = receiver.spans.find((s) => s.name === 'GET /api/v1/users/me');
      expect(http?.attributes['http.response.status_code']).toBe(401);
      expect(
        receiver.spans.some((s) => s.name === 'users.me' && s.parentSpanId === http?.spanId),
      ).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the container image (issue 18)', () => {
  it('builds and starts with exactly the commands this suite runs', async () => {
    const root = join(serverDir, '../..');
    const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
    const scripts = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).scripts;
    // `pnpm build` is turbo's build, which runs apps/server's `tsup` (the beforeAll above).
    expect(dockerfile).toContain('\nRUN pnpm build\n');
    const server = JSON.parse(await readFile(join(serverDir, 'package.json'), 'utf8'));
    expect(server.scripts.build).toBe('tsup');
    // The start command is the one runMain({ built: true }) runs, and `pnpm start:prod`.
    expect(dockerfile).toContain('CMD ["node", "apps/server/dist/main.js"]');
    expect(scripts['start:prod']).toBe('node apps/server/dist/main.js');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toContain('/health/live');
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
  });
});
