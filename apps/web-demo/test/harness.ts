import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@parley/server/testing';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type WebSocketRoute,
} from 'playwright-core';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const appRoot = join(here, '..');
export const screenshotDir = join(appRoot, '..', '..', 'test-artifacts', 'screenshots');

/** Debian's Chromium (installed by .ci/run); another one through PARLEY_CHROMIUM. */
export const chromiumPath = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
/** In CI a missing browser is a failure; elsewhere the suite is skipped with this reason. */
export const missingBrowser =
  !existsSync(chromiumPath) && !process.env.CI
    ? `${chromiumPath} not found (apt-get install chromium)`
    : null;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Demo extends AsyncDisposable {
  server: TestServer;
  browser: Browser;
  /** A new browser context (its own storage: one person) with one page on the demo. */
  open(options?: { width?: number; height?: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  /** Cuts (or restores) one person's network: HTTP fails, live sockets drop and stay down. */
  setOnline(page: Page, online: boolean): Promise<void>;
}

interface Network {
  online: boolean;
  sockets: Set<WebSocketRoute>;
}

/** The demo built from the current source, the real server serving it, and one Chromium. */
export async function startDemo(): Promise<Demo> {
  const outDir = await mkdtemp(join(tmpdir(), 'parley-web-demo-'));
  await build({
    root: appRoot,
    mode: 'production',
    // Vitest sets NODE_ENV=test, which would select React's development build.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  const server = await startTestServer({
    env: { WEB_DEMO_DIR: outDir, SEND_RATE_LIMIT: '1000' },
  });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  await mkdir(screenshotDir, { recursive: true });
  const contexts: BrowserContext[] = [];
  const networks = new WeakMap<BrowserContext, Network>();
  return {
    server,
    browser,
    async open({ width = 1100, height = 720 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height },
        acceptDownloads: true,
        baseURL: server.url,
      });
      // Generous: the CI machine runs the other suites at the same time on two cores.
      context.setDefaultTimeout(20_000);
      contexts.push(context);
      // Chromium's offline mode leaves open WebSockets alone, so sockets pass through a route
      // the test can cut.
      const network: Network = { online: true, sockets: new Set() };
      networks.set(context, network);
      await context.routeWebSocket(/\/trpc/, (ws) => {
        if (!network.online) {
          void ws.close({ code: 1001, reason: 'offline' });
          return;
        }
        network.sockets.add(ws);
        ws.onClose(() => network.sockets.delete(ws));
        ws.connectToServer();
      });
      const page = await context.newPage();
      await page.goto('/');
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
    },
    async setOnline(page, online) {
      const network = networks.get(page.context())!;
      network.online = online;
      await page.context().setOffline(!online);
      if (!online) {
        for (const ws of network.sockets) await ws.close({ code: 1001, reason: 'offline' });
      }
    },
    async [Symbol.asyncDispose]() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await server[Symbol.asyncDispose]();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
