import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { SNAPSHOT } from '../../scripts/openapi-client.ts';

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const document = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Document;
const ajv = new Ajv({ strict: false, allErrors: true });
// OpenAPI 3.1 schemas are JSON Schema: register the components under their document refs.
ajv.addSchema({ components: document.components }, 'openapi');
const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/**
 * A fetch for openapi-fetch clients that checks each REST answer against the served
 * document: a documented status, and a JSON body valid under that status's schema.
 * Violations are collected in `problems` (the test expects none).
 */
export function validatingFetch(base: string) {
  const problems: string[] = [];
  const fetchAndCheck = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const path = new URL(request.url).pathname.slice(new URL(base).pathname.length);
    const method = request.method.toLowerCase();
    const where = `${request.method} ${path} -> ${response.status}`;
    const route = templates.find(
      (t) => t.pattern.test(path) && document.paths[t.template]![method],
    );
    if (!route) {
      problems.push(`${where}: not in the document`);
      return response;
    }
    const operation = document.paths[route.template]![method]!;
    const documented = operation.responses[String(response.status)];
    if (!documented) {
      problems.push(`${where}: status not documented`);
      return response;
    }
    const type = response.headers.get('content-type')?.split(';')[0] ?? '';
    const media = documented.content?.[type] ?? documented.content?.['*/*'];
    if (!documented.content) return response;
    if (!media) {
      problems.push(`${where}: content type ${type} not documented`);
      return response;
    }
    if (type === 'application/json' && media.schema) {
      const body = await response.clone().json();
      const validate = ajv.compile(
        JSON.parse(
          JSON.stringify(media.schema).replaceAll('"#/components', '"openapi#/components'),
        ),
      );
      if (!validate(body)) problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
    return response;
  };
  return { fetch: fetchAndCheck as typeof fetch, problems };
}
