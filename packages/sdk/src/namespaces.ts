import { procedureKinds } from './contract.gen.ts';
import type { ProcedurePath, Request } from './transport.ts';

type Call = (input?: unknown) => Promise<unknown>;

/**
 * `{ conversations: { list, get, ... }, messages: { ... }, ... }` for every procedure of the
 * server, from the generated table: a new router on the server is a new namespace here after
 * `pnpm --filter @parley/sdk generate`.
 */
export function createNamespaces(request: Request): Record<string, Record<string, Call>> {
  const namespaces: Record<string, Record<string, Call>> = {};
  for (const path of Object.keys(procedureKinds) as ProcedurePath[]) {
    const [namespace, name] = path.split('.') as [string, string];
    namespaces[namespace] ??= {};
    namespaces[namespace][name] = (input) => request(path, input as never);
  }
  return namespaces;
}
