import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const file = process.env.PARLEY_MODULE_LOG;
  if (file && result.url.includes('@opentelemetry')) appendFileSync(file, `${result.url}\n`);
  return result;
}
