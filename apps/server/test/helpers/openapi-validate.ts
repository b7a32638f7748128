import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
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
const compiled = new Map<string, ValidateFunction>();

/** The validator of one documented schema (compiled once). */
function validatorOf(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema).replaceAll('"#/components', '"openapi#/components');
  let validate = compiled.get(text);
  if (!validate) {
    validate = ajv.compile(JSON.parse(text));
    compiled.set(text, validate);
  }
  return validate;
}

/**
 * What is wrong with one REST answer under the checked-in document (the one /openapi.json
 * serves): undefined when its status is documented for the operation and its JSON body is
 * valid under that status's schema. `path` is relative to /api/v1.
 */
export async function responseProblem(
  method: string,
  path: string,
  response: Response,
): Promise<string | undefined> {
  const where = `${method.toUpperCase()} ${path} -> ${response.status}`;
  const lower = method.toLowerCase();
  const route = templates.find((t) => t.pattern.test(path) && document.paths[t.template]![lower]);
  if (!route) return `${where}: not in the document`;
  const operation = document.paths[route.template]![lower]!;
  const documented = operation.responses[String(response.status)];
  if (!documented) return `${where}: status not documented`;
  if (!documented.content) return undefined;
  const type = response.headers.get('content-type')?.split(';')[0] ?? '';
  const media = documented.content[type] ?? documented.content['*/*'];
  if (!media) return `${where}: content type ${type} not documented`;
  if (type === 'application/json' && media.schema) {
    const body = await response.clone().json();
    const validate = validatorOf(media.schema);
    if (!validate(body)) return `${where}: ${ajv.errorsText(validate.errors)}`;
  }
  return undefined;
}

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
    const problem = await responseProblem(request.method, path, response);
    if (problem) problems.push(problem);
    return response;
  };
  return { fetch: fetchAndCheck as typeof fetch, problems };
}
