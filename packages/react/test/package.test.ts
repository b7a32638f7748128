// @parley/react as it is published: packed, linted with publint and are-the-types-wrong, then
// installed from the tarball (with the SDK's tarball and React from the registry) into a
// project outside the workspace and type-checked strictly with that project's TypeScript.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const reactDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const sdkDir = join(reactDir, '..', 'sdk');
const rootDir = join(reactDir, '..', '..');
const bin = (name: string) => join(reactDir, 'node_modules', '.bin', name);

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

/** Packs a package, building it first when its build is missing or older than its source. */
async function pack(dir: string, into: string): Promise<string> {
  const built = await stat(join(dir, 'dist', 'index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built < (await newestMtime(join(dir, 'src')))) {
    await run('pnpm', ['run', 'build'], { cwd: dir });
  }
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', into], { cwd: dir });
  return stdout.trim().split('\n').at(-1)!.trim();
}

let workDir: string;
let tarball: string;
let sdkTarball: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'parley-react-package-'));
  sdkTarball = await pack(sdkDir, workDir);
  tarball = await pack(reactDir, workDir);
  expect(tarball).toMatch(/parley-react-.*\.tgz$/);
}, 600_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the published @parley/react', () => {
  it('passes publint and are-the-types-wrong', async () => {
    const publint = await run(bin('publint'), ['--strict'], { cwd: reactDir });
    expect(publint.stdout).toContain('All good');
    await run(bin('attw'), [tarball, '--format', 'table-flipped'], { cwd: reactDir });
  }, 60_000);

  it('declares React 18 and 19 as peers and bundles neither React nor the SDK', async () => {
    const manifest = JSON.parse(await readFile(join(reactDir, 'package.json'), 'utf8'));
    expect(manifest.peerDependencies.react).toBe('^18.0.0 || ^19.0.0');
    expect(manifest.dependencies).toBeUndefined();
    const esm = await readFile(join(reactDir, 'dist', 'index.js'), 'utf8');
    expect(esm).toMatch(/from ['"]react['"]/);
    expect(esm).toMatch(/from ['"]@parley\/sdk\/store['"]/);
  });

  it('installs from the tarball outside the workspace and type-checks strictly', async () => {
    const app = join(workDir, 'consumer');
    await cp(join(reactDir, 'test', 'consumer'), app, { recursive: true });
    const versions = await Promise.all(
      ['react', 'react-dom', '@types/react', '@types/react-dom', 'typescript'].map(
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
        sdkTarball,
        tarball,
        ...versions,
      ],
      { cwd: app, timeout: 240_000 },
    );
    // The consumer's own TypeScript, strict and without skipLibCheck.
    await run(
      process.execPath,
      [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      {
        cwd: app,
      },
    );
    expect(await readdir(join(app, 'node_modules', '@parley'))).toEqual(['react', 'sdk']);
    const cjs = await run(process.execPath, [join(app, 'check-cjs.cjs')], { cwd: app });
    expect(cjs.stdout.trim()).toBe('cjs ok');
  }, 300_000);
});
