import { registerUser, type ServerAddress, type TestUser } from './clients.ts';

/** A user registered with a chosen email (e.g. one listed in ADMIN_EMAILS). */
export function registerWithEmail(
  server: ServerAddress,
  name: string,
  email: string,
): Promise<TestUser> {
  return registerUser(server, name, email);
}

/** A REST call under /api/v1 with `token` as the bearer token: status and JSON body. */
export async function restCall(
  server: ServerAddress,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the path answers.
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
