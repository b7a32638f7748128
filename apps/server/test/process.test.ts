import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { deferred } from './helpers/clients.ts';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const listening = deferred<string>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'parley listening' && entry.url) listening.resolve(entry.url);
    } catch {
      // not a log line
    }
  });
  exited.then(() => listening.reject(new Error(`server exited: ${stderr}`)));
  // Runs that are expected to fail never await `listening`.
  listening.promise.catch(() => {});
  return { child, exited, listening: listening.promise, stderr: () => stderr };
}

describe('the server process', () => {
  it('starts on the SQLite file in DATA_DIR and shuts down gracefully on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-proc-'));
    try {
      const proc = runMain({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
      const url = await proc.listening;
      expect(existsSync(join(dataDir, 'parley.db'))).toBe(true);
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(true);
      const health = await fetch(`${url}/health/db`);
      expect(await health.json()).toMatchObject({ status: 'ok', dialect: 'sqlite' });

      // A connected WebSocket client is told to reconnect, then the process exits cleanly.
      const ws = new WebSocket(`${url.replace('http', 'ws')}/trpc`);
      const messages: string[] = [];
      ws.on('message', (m) => messages.push(String(m)));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(await closed).toBe(1012);
      expect(messages.some((m) => m.includes('"method":"reconnect"'))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start on bad configuration and names the variable', async () => {
    const proc = runMain({ PORT: 'not-a-port' });
    expect(await proc.exited).toBe(78);
    expect(proc.stderr()).toContain('PORT');
    const prod = runMain({ NODE_ENV: 'production', PORT: '0' });
    expect(await prod.exited).toBe(78);
    expect(prod.stderr()).toContain('JWT_SECRET');
  });
});
