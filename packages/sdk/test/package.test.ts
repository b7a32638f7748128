// The package as it is published: packed with `pnpm pack`, linted with publint and
// are-the-types-wrong, then installed from the tarball into a project outside the workspace
// (npm, the registry), type-checked with its own TypeScript, and run against a live server.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer } from '@parley/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBundle } from '../scripts/bundle-size.ts';

const run = promisify(execFile);
const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = join(sdkDir, '..', '..');
const bin = (name: string) => join(sdkDir, 'node_modules', '.bin', name);

/** Versions from the pnpm catalog, so the consumer uses what the workspace tests with. */
async function catalogVersion(name: string): Promise<string> {
  const yaml = await readFile(join(rootDir, 'pnpm-workspace.yaml'), 'utf8');
  const match = yaml.match(new RegExp(`^\\s+"?${name.replace('/', '\\/')}"?:\\s*(\\S+)`, 'm'));
  if (!match) throw new Error(`${name} is not in the catalog`);
  return match[1]!;
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

let workDir: string;
let tarball: string;

beforeAll(async () => {
  // `pnpm run check` builds first; a stale or missing build (a lone vitest run) is rebuilt.
  const built = await stat(join(sdkDir, 'dist', 'index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built < (await newestMtime(join(sdkDir, 'src')))) {
    await run('pnpm', ['run', 'build'], { cwd: sdkDir });
  }
  workDir = await mkdtemp(join(tmpdir(), 'parley-sdk-package-'));
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', workDir], { cwd: sdkDir });
  tarball = stdout.trim().split('\n').at(-1)!.trim();
  expect(tarball).toMatch(/parley-sdk-.*\.tgz$/);
}, 120_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the published package', () => {
  it('passes publint and are-the-types-wrong', async () => {
    const publint = await run(bin('publint'), ['--strict'], { cwd: sdkDir });
    expect(publint.stdout).toContain('All good');
    // Exits non-zero on any resolution problem (node10, node16 CJS/ESM, bundler).
    await run(bin('attw'), [tarball, '--format', 'table-flipped'], { cwd: sdkDir });
  }, 60_000);

  it('carries no trace of the server: tRPC is its only dependency, the types stand alone', async () => {
    const manifest = JSON.parse(await readFile(join(sdkDir, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['@trpc/client', '@trpc/server']);
    for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) {
      const text = await readFile(join(sdkDir, 'dist', file), 'utf8');
      expect(text, file).not.toMatch(/@parley\/|zod|kysely/);
    }
    const declarations = await readFile(join(sdkDir, 'dist', 'index.d.ts'), 'utf8');
    // Only the package's own files (the store shares the client's types): nothing to resolve.
    expect(declarations).not.toMatch(/from ['"][^.]/);
  });

  // typedoc type-checks the whole package: ~30 s alone on a busy 2-core machine, twice that
  // while the rest of the suite runs beside it.
  it('generates its API reference (typedoc) without a warning', async () => {
    await run(bin('typedoc'), ['--emit', 'none'], { cwd: sdkDir });
  }, 180_000);

  it('stays under its size budget: 15 kB min+gzip without tRPC (README has the numbers)', async () => {
    const alone = await measureBundle({ withTrpc: false });
    expect(alone.gzip).toBeLessThan(15 * 1024);
    // CommonJS apps pay about what ESM apps do (its tRPC parts are tree-shaken at build time).
    const esm = await measureBundle({ withTrpc: true });
    const cjs = await measureBundle({ withTrpc: true, cjs: true });
    expect(cjs.gzip).toBeLessThan(esm.gzip * 1.15);
  });

  it("runs on the platform's own WebSocket (the browsers' API) with default options", async () => {
    await using server = await startTestServer();
    const { stdout } = await run(
      process.execPath,
      ['--experimental-websocket', join(sdkDir, 'test', 'fixtures-native-websocket.mjs')],
      {
        env: {
          ...process.env,
          PARLEY_URL: server.url,
          SDK_ENTRY: join(sdkDir, 'dist', 'index.js'),
        },
        timeout: 30_000,
      },
    );
    expect(stdout.trim()).toBe('over the native WebSocket');
  }, 60_000);

  it('installs from the tarball outside the workspace, type-checks and chats', async () => {
    const app = join(workDir, 'consumer');
    await cp(join(sdkDir, 'test', 'consumer'), app, { recursive: true });
    const versions = await Promise.all(
      ['ws', '@types/ws', '@types/node', 'typescript'].map(
        async (n) => `${n}@${await catalogVersion(n)}`,
      ),
    );
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        tarball,
        ...versions,
      ],
      { cwd: app, timeout: 240_000 },
    );
    // The consumer's own TypeScript, strict and without skipLibCheck: the d.ts must stand alone.
    await run(
      process.execPath,
      [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      {
        cwd: app,
      },
    );
    expect(await readdir(join(app, 'node_modules', '@parley'))).toEqual(['sdk']);

    await using server = await startTestServer();
    const chat = await run(process.execPath, [join(app, 'dist', 'chat.js')], {
      cwd: app,
      env: { ...process.env, PARLEY_URL: server.url },
      timeout: 30_000,
    });
    expect(JSON.parse(chat.stdout)).toEqual({
      received: 'hello from a consumer',
      statuses: ['pending', 'sent', 'delivered', 'read'],
      notFound: 'NOT_FOUND',
    });
    const cjs = await run(process.execPath, [join(app, 'check-cjs.cjs')], { cwd: app });
    expect(cjs.stdout.trim()).toBe('cjs ok');
  }, 300_000);
});
