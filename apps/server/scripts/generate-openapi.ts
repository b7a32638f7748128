// Regenerates the checked-in, reviewed REST contract docs/openapi.json (the document
// /openapi.json serves), then the REST tests' client types from it (an ignored file, see
// openapi-client.ts). The test suite fails when the snapshot is out of date.
//   pnpm openapi:generate
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '../src/http/openapi/document.ts';
import { CLIENT_TYPES, SNAPSHOT, writeClientTypes } from './openapi-client.ts';

/** The text docs/openapi.json must hold: the served document, pretty-printed. */
export function renderSnapshot() {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(SNAPSHOT, renderSnapshot());
  await writeClientTypes();
  console.log(`wrote ${SNAPSHOT} and ${CLIENT_TYPES}`);
}
