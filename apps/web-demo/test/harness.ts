import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '@parley/server/testing';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Page,
  type WebSocketRoute,
} from 'playwright-core';

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

/**
 * Builds the demo from the current source, as `vite build` does (its own process: under
 * vitest, NODE_ENV=test would select React's development build).
 */
async function buildDemo(outDir: string): Promise<void> {
  const vite = join(appRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: appRoot, env: { ...process.env, NODE_ENV: 'production' } },
  );
}

export interface Demo extends AsyncDisposable {
  server: TestServer;
  browser: Browser;
  /** A new browser context (its own storage: one person) with one page on the demo. */
  open(options?: { width?: number; height?: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  /** Cuts (or restores) one person's network: HTTP fails, live sockets drop and stay down. */
  setOnline(page: Page, online: boolean): Promise<void>;
  /** Every Content-Security-Policy violation any page reported (the suites expect none). */
  cspViolations: string[];
}

/**
 * Reports each `securitypolicyviolation` of a page (and of the pages it opens) as one console
 * line, so the test sees what the browser refused and why.
 */
export async function watchCsp(context: BrowserContext, violations: string[]): Promise<void> {
  // A string, not a function: the tests' TypeScript has no DOM types.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation on ' + location.pathname + ': ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' ' + e.sample);
  });`);
  context.on('console', (m) => {
    const text = m.text();
    if (text.startsWith('CSP violation') || text.includes('Content Security Policy')) {
      violations.push(text);
    }
  });
}

interface Network {
  online: boolean;
  /** Each live socket: the page's side and the server's. */
  sockets: Set<{ page: WebSocketRoute; server: WebSocketRoute }>;
  /** Sockets opened while offline: they hang, as on a dead network, until it comes back. */
  hanging: Set<WebSocketRoute>;
}

/** The demo built from the current source, the real server serving it, and one Chromium. */
export async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  const outDir = await mkdtemp(join(tmpdir(), 'parley-web-demo-'));
  await buildDemo(outDir);
  const server = await startTestServer({
    // Presence: offline 300 ms after the last socket goes (default 5 s). Cy (over REST) is the
    // server's admin, who reads the moderators' report queue.
    env: {
      WEB_DEMO_DIR: outDir,
      SEND_RATE_LIMIT: '1000',
      PRESENCE_GRACE_MS: '300',
      ADMIN_EMAILS: 'cy@example.com',
      ...env,
    },
  });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  await mkdir(screenshotDir, { recursive: true });
  const contexts: BrowserContext[] = [];
  const networks = new WeakMap<BrowserContext, Network>();
  const cspViolations: string[] = [];
  return {
    server,
    browser,
    cspViolations,
    async open({ width = 1100, height = 720 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height },
        acceptDownloads: true,
        baseURL: server.url,
      });
      // Generous: the CI machine runs the other suites at the same time on two cores.
      context.setDefaultTimeout(20_000);
      contexts.push(context);
      await watchCsp(context, cspViolations);
      // Chromium's offline mode leaves open WebSockets alone, so sockets pass through a route
      // the test can cut.
      const network: Network = { online: true, sockets: new Set(), hanging: new Set() };
      networks.set(context, network);
      await context.routeWebSocket(/\/trpc/, (ws) => {
        if (!network.online) {
          network.hanging.add(ws);
          return;
        }
        network.sockets.add({ page: ws, server: ws.connectToServer() });
      });
      const page = await context.newPage();
      // The app's own failures belong in the test output.
      page.on('pageerror', (error) => console.error(`[browser] ${error.stack ?? error}`));
      page.on('console', (m) => m.type() === 'error' && console.error(`[browser] ${m.text()}`));
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
        for (const { page, server } of network.sockets) {
          await server.close();
          await page.close({ code: 1001, reason: 'offline' });
        }
        network.sockets.clear();
      } else {
        // The attempts that hung fail now, and the client tries again.
        for (const ws of network.hanging) await ws.close({ code: 1001, reason: 'offline' });
        network.hanging.clear();
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
