import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

// axe-core in the page, and the one assertion every screen of the demo passes: no serious or
// critical violation.

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeNode {
  target: string[];
  html: string;
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

/**
 * Loads axe-core into the page once. Through the DevTools protocol rather than a `<script>`
 * tag: the demo's Content-Security-Policy allows only its own scripts (and the suites expect
 * no CSP violation), while an evaluated script is not subject to the page's CSP.
 */
async function injectAxe(page: Page): Promise<void> {
  if (await page.evaluate('typeof window.axe === "object"')) return;
  await page.evaluate(axeSource);
}

/** The violations as a reader wants them: rule, impact, what to do, and each element. */
export function formatViolations(screen: string, violations: AxeViolation[]): string {
  const lines = [
    `${violations.length} serious or critical accessibility violation(s) on "${screen}":`,
  ];
  for (const v of violations) {
    lines.push(`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes.slice(0, 8)) {
      lines.push(`    at ${node.target.join(' ')}`);
      lines.push(`      ${node.html.slice(0, 160)}`);
      for (const line of (node.failureSummary ?? '').split('\n').slice(1, 3)) {
        lines.push(`      ${line.trim()}`);
      }
    }
    if (v.nodes.length > 8) lines.push(`    … and ${v.nodes.length - 8} more`);
  }
  return lines.join('\n');
}

/**
 * Runs axe-core (WCAG 2.x A/AA and best-practice rules) on what the page shows now and fails
 * with a readable list if any violation is serious or critical.
 */
export async function expectNoSeriousA11yViolations(page: Page, screenName: string): Promise<void> {
  await injectAxe(page);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
    })))`,
  )) as AxeViolation[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length > 0) throw new Error(formatViolations(screenName, serious));
}
