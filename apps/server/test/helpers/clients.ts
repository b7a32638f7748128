import type { AppRouter, AuthResult } from '@parley/api';
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  TRPCClientError,
  wsLink,
} from '@trpc/client';
import WebSocket from 'ws';
/** Where a server listens: a test server or a spawned process. */
export interface ServerAddress {
  url: string;
  wsUrl: string;
}

export type Client = ReturnType<typeof httpClient>;

/** A plain tRPC client over HTTP, sending `token()` as the bearer token when set. */
export function httpClient(
  server: ServerAddress,
  token: () => string | undefined = () => undefined,
) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${server.url}/trpc`,
        headers: () => {
          const t = token();
          return t ? { authorization: `Bearer ${t}` } : {};
        },
      }),
    ],
  });
}

/** A tRPC client over a real WebSocket (for subscriptions). Dispose closes the socket. */
export function wsClient(server: ServerAddress, token: () => string | undefined) {
  const socket = createWSClient({
    url: server.wsUrl,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ token: token() ?? '' }),
    retryDelayMs: () => 50,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
  // The client is a Proxy, so disposal lives on a wrapper rather than on the client itself.
  return {
    client,
    socket,
    async [Symbol.asyncDispose]() {
      await socket.close();
    },
  };
}

export interface TestUser {
  auth: AuthResult;
  id: string;
  client: Client;
}

let counter = 0;

/** A new account named `name`; `email` when given (e.g. one listed in ADMIN_EMAILS), else unique. */
export async function registerUser(
  server: ServerAddress,
  name: string,
  email?: string,
): Promise<TestUser> {
  counter += 1;
  const anonymous = httpClient(server);
  const local = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  email ??= `${local}.${process.pid}.${counter}@example.com`;
  const auth = await anonymous.auth.register.mutate({
    email,
    password: `pw-${name}-long-enough`,
    displayName: name,
  });
  const user: TestUser = {
    auth,
    id: auth.user.id,
    client: httpClient(server, () => user.auth.accessToken),
  };
  return user;
}

/** Several users at once, typed as a tuple: `const [ada, ben] = await registerUsers(...)`. */
export async function registerUsers<const Names extends readonly string[]>(
  server: ServerAddress,
  ...names: Names
): Promise<{ [K in keyof Names]: TestUser }> {
  const users = await Promise.all(names.map((name) => registerUser(server, name)));
  return users as { [K in keyof Names]: TestUser };
}

/** New tokens for `user` (e.g. after the test clock moved past the access token's life). */
export async function refreshTokens(server: ServerAddress, user: TestUser): Promise<void> {
  user.auth = await httpClient(server).auth.refresh.mutate({
    refreshToken: user.auth.refreshToken,
  });
}

/** The error of a call that must fail (fails the test if it succeeds). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The tRPC error code of a call that must fail, e.g. 'NOT_FOUND'. */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  return String((await rejection(promise)).data?.code);
}

export { deferred } from '@parley/db/testing';
