import type { TestServer } from '@parley/server/testing';

// Test set-up that is not what the test is about (a third person, a long history) goes
// through the REST API, the way another client would.

export interface RestUser {
  id: string;
  token: string;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function restUser(server: TestServer, name: string): Promise<RestUser> {
  const call = async <T>(method: string, path: string, body?: unknown, token?: string) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const auth = await call<{ user: { id: string }; accessToken: string }>('POST', '/auth/register', {
    email: `${name.toLowerCase()}@example.com`,
    password: `${name}-password-1`,
    displayName: name,
  });
  return {
    id: auth.user.id,
    token: auth.accessToken,
    call: (method, path, body) => call(method, path, body, auth.accessToken),
  };
}
