import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runMain } from './helpers/process.ts';

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
