import { describeEachDialect } from '@parley/db/testing';
import { startTestServer } from '@parley/server/testing';
import { expect, it, vi } from 'vitest';
import { connected, signedUpClient, testClient } from './helpers/sdk.ts';

describeEachDialect('blocks, privacy and the account through the SDK', (dialect) => {
  it("syncs blocks and privacy to the user's other devices, and deleting signs out", async () => {
    await using server = await startTestServer({ dialect });
    await using phone = await signedUpClient(server.url, 'Ada');
    await using laptop = testClient(server.url);
    await laptop.parley.auth.login({ email: phone.email, password: phone.password });
    await connected(laptop);
    await using ben = await signedUpClient(server.url, 'Ben');
    const benId = ben.parley.session!.user.id;

    await phone.parley.users.block({ userId: benId });
    await vi.waitFor(() =>
      expect(laptop.events.block).toEqual([
        expect.objectContaining({ type: 'block.changed', userId: benId, blocked: true }),
      ]),
    );
    expect((await laptop.parley.users.blocks()).map((b) => b.user.id)).toEqual([benId]);
    const refused = await ben.parley.conversations
      .openDirect({ userId: phone.parley.session!.user.id })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: 'You cannot message this user' });
    await phone.parley.users.unblock({ userId: benId });
    await vi.waitFor(() => expect(laptop.events.block.at(-1)?.blocked).toBe(false));

    const me = await phone.parley.users.updatePrivacy({ lastSeen: 'nobody', readReceipts: false });
    expect(phone.parley.session!.user.privacy).toEqual(me.privacy);
    await vi.waitFor(() =>
      expect(laptop.parley.session!.user.privacy).toEqual({
        lastSeen: 'nobody',
        readReceipts: false,
      }),
    );

    expect(await laptop.parley.users.sessions()).toHaveLength(2);
    const data = await laptop.parley.users.export();
    expect(data.profile.id).toBe(phone.parley.session!.user.id);

    const { reauthToken } = await phone.parley.users.reauthenticate({ password: phone.password });
    await phone.parley.users.deleteAccount({ reauthToken });
    expect(phone.parley.session).toBeNull();
    await using stranger = testClient(server.url);
    const login = await stranger.parley.auth
      .login({ email: phone.email, password: phone.password })
      .catch((e: unknown) => e);
    expect(login).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a ban closes the live connection for good and ends the session; nothing is retried', async () => {
    const adminEmail = `mod.${process.pid}@example.com`;
    await using server = await startTestServer({ dialect, env: { ADMIN_EMAILS: adminEmail } });
    await using mod = testClient(server.url);
    await mod.parley.auth.register({
      email: adminEmail,
      password: 'pw-moderator-long-enough',
      displayName: 'Mod',
    });
    await using ben = await signedUpClient(server.url, 'Ben');
    const benId = ben.parley.session!.user.id;

    await mod.parley.admin.ban({ userId: benId, reason: 'spam' });
    await vi.waitFor(() => expect(ben.events.session.at(-1)?.change).toBe('banned'));
    expect(ben.parley.session).toBeNull();
    expect(ben.parley.connection).toMatchObject({
      status: 'closed',
      error: { code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' },
    });
    // Closed for good: no reconnecting state after the ban, and a login answers why.
    const afterBan = ben.events.connection.slice(
      ben.events.connection.findIndex((s) => s.status === 'closed'),
    );
    expect(afterBan.map((s) => s.status)).toEqual(['closed']);
    const login = await ben.parley.auth
      .login({ email: ben.email, password: ben.password })
      .catch((e: unknown) => e);
    expect(login).toMatchObject({ code: 'FORBIDDEN', reason: 'ACCOUNT_BANNED' });

    // After the unban the same client signs in and connects again.
    await mod.parley.admin.unban({ userId: benId });
    await ben.parley.auth.login({ email: ben.email, password: ben.password });
    await connected(ben);
  });
});
