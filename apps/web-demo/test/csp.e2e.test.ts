import { expect, test } from 'vitest';
import { missingBrowser, startDemo, watchCsp } from './harness.ts';
import { signUp } from './ui.ts';

// Issue 14, item 7: a strict Content-Security-Policy on the demo and on Swagger UI, under
// which both still work in Chromium without a single violation.

test.skipIf(missingBrowser)(
  'the demo and /docs carry a strict CSP and work under it in Chromium',
  async () => {
    await using demo = await startDemo();
    for (const path of ['/', '/docs']) {
      const csp = (await fetch(`${demo.server.url}${path}`)).headers.get('content-security-policy');
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
    }

    // The demo: sign up and land in the app.
    const page = await demo.open();
    await signUp(page, 'Csp Tester', 'csp@example.com', 'csp-password-1');

    // Swagger UI: renders every operation and expands one.
    const context = await demo.browser.newContext({ baseURL: demo.server.url });
    await watchCsp(context, demo.cspViolations);
    const docs = await context.newPage();
    await docs.goto('/docs');
    await docs.locator('.opblock').first().waitFor();
    expect(await docs.locator('.opblock').count()).toBeGreaterThan(40);
    await docs.locator('.opblock-summary').first().click();
    await docs.locator('.opblock-body').first().waitFor();
    await context.close();

    expect(demo.cspViolations).toEqual([]);
  },
  120_000,
);
