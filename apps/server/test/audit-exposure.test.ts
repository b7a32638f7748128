// Issue 14, items 1, 2 and 7: what the defaults expose to another machine.
import { networkInterfaces } from 'node:os';
import { describeEachDialect } from '@parley/db/testing';
import { describe, expect, it } from 'vitest';
import { httpClient, registerUsers } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

/** An address of this machine that is not loopback (a request to it does not come from 127/8). */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('the development outbox (issue 14, item 1)', () => {
  it('serves sign-in codes only to loopback clients that came through no proxy', async () => {
    await using server = await startTestServer({ env: { HOST: '0.0.0.0' } });
    const email = `victim.${Date.now()}@example.com`;
    await httpClient(server).auth.requestOtp.mutate({ email });
    const path = `/dev/outbox?to=${encodeURIComponent(email)}`;

    // The quick start's sign-in on localhost keeps working.
    const local = await fetch(`${server.url}${path}`);
    expect(local.status).toBe(200);
    expect(((await local.json()) as { mails: unknown[] }).mails).toHaveLength(1);

    // Through a reverse proxy on this machine: refused, as if the route did not exist.
    const proxied = await fetch(`${server.url}${path}`, {
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(proxied.status).toBe(404);
    expect(await proxied.text()).not.toContain(email);

    // From another machine (this machine's non-loopback address): refused.
    const external = externalAddress();
    if (external) {
      const remote = await fetch(`http://${external}:${server.server.port}${path}`);
      expect(remote.status).toBe(404);
      expect(await remote.text()).not.toContain(email);
    }
  });
});

describeEachDialect('user search (issue 14, item 2)', (dialect) => {
  it('matches an email only as the whole address, so prefixes reveal nothing', async () => {
    await using server = await startTestServer({ dialect });
    const [ada, victim] = await registerUsers(server, 'Ada', 'Zed');
    await victim.client.users.updateMe.mutate({ displayName: 'Quinn' });
    const email = victim.auth.user.email;
    const search = async (q: string) => {
      const res = await fetch(`${server.url}/api/v1/users?q=${encodeURIComponent(q)}`, {
        headers: { authorization: `Bearer ${ada.auth.accessToken}` },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string }[] }).items.map((u) => u.id);
    };
    for (const prefix of [email.slice(0, 3), email.split('@')[0]!, email.slice(0, -1)]) {
      expect(await search(prefix)).toEqual([]);
    }
    expect(await search(email)).toEqual([victim.id]);
    expect(await search(email.toUpperCase())).toEqual([victim.id]);
    // Names still match by word prefix.
    expect(await search('qu')).toEqual([victim.id]);
  });
});
