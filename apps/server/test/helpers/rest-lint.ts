import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import parsers from '@stoplight/spectral-parsers';
import rulesets from '@stoplight/spectral-rulesets';

/**
 * The two REST document linters client teams run, offline and in-process: Redocly's
 * `recommended` ruleset (the engine of `@redocly/cli lint`) and Spectral's `oas` ruleset (the
 * engine of `spectral lint` with `extends: spectral:oas`). Each problem as one readable line;
 * errors and warnings both count.
 */
export async function redoclyProblems(document: unknown): Promise<string[]> {
  const config = await createConfig({ extends: ['recommended'] });
  const problems = await lintFromString({
    source: JSON.stringify(document, null, 2),
    absoluteRef: '/openapi.json',
    config,
  });
  return problems.map(
    (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`,
  );
}

// CommonJS packages: their named exports are read from the default export.
const { Document, Spectral } = spectralCore;
const { oas } = rulesets;

export async function spectralProblems(document: unknown): Promise<string[]> {
  const spectral = new Spectral();
  spectral.setRuleset({ extends: [[oas as never, 'recommended']] });
  const results = await spectral.run(
    new Document(JSON.stringify(document, null, 2), parsers.Json, '/openapi.json'),
  );
  // Severity 0 error, 1 warning (2 information and 3 hint are not findings).
  return results
    .filter((r) => r.severity <= 1)
    .map(
      (r) =>
        `${r.severity === 0 ? 'error' : 'warn'} ${r.code}: ${r.message} at ${r.path.join('.')}`,
    );
}
