import { describeEachDialect } from '@parley/db/testing';
import { expect, it } from 'vitest';
import { errorCode, registerUser } from './helpers/clients.ts';
import { startTestServer } from './helpers/test-server.ts';

describeEachDialect('profiles and user search', (dialect) => {
  it('updates the profile and finds users by name prefix or exact email, page by page', async () => {
    await using server = await startTestServer({ dialect });
    const ada = await registerUser(server, 'Ada');
    const names = ['Ben Stone', 'Bea Ray', 'Bob Marsh', 'Carl Benson', 'Percent%Ben'];
    const users = [];
    for (const name of names) users.push(await registerUser(server, name.replace(' ', '')));
    for (const [i, u] of users.entries())
      await u.client.users.updateMe.mutate({ displayName: names[i] });

    const me = await ada.client.users.updateMe.mutate({ displayName: ' Ada L. ', about: 'math' });
    expect(me).toMatchObject({ displayName: 'Ada L.', about: 'math' });
    const seen = await users[0]!.client.users.get.query({ userId: ada.id });
    expect(seen).toMatchObject({ displayName: 'Ada L.', about: 'math' });
    expect(seen).not.toHaveProperty('email');

    const byName = await ada.client.users.search.query({ q: 'b' });
    expect(byName.items.map((u) => u.displayName)).toEqual([
      'Bea Ray',
      'Ben Stone',
      'Bob Marsh',
      'Carl Benson',
    ]);
    // Word prefixes match too; LIKE wildcards in the query are literal.
    expect(
      (await ada.client.users.search.query({ q: 'ben' })).items.map((u) => u.displayName),
    ).toEqual(['Ben Stone', 'Carl Benson']);
    expect((await ada.client.users.search.query({ q: '%' })).items).toEqual([]);
    // The whole email, case-insensitive (never a prefix); results never include the caller.
    const byEmail = await ada.client.users.search.query({
      q: ` ${users[3]!.auth.user.email.toUpperCase()} `,
    });
    expect(byEmail.items.map((u) => u.id)).toEqual([users[3]!.id]);
    expect((await ada.client.users.search.query({ q: 'ada' })).items).toEqual([]);

    const p1 = await ada.client.users.search.query({ q: 'b', limit: 3 });
    const p2 = await ada.client.users.search.query({ q: 'b', limit: 3, cursor: p1.nextCursor });
    expect([...p1.items, ...p2.items].map((u) => u.displayName)).toEqual(
      byName.items.map((u) => u.displayName),
    );
    expect(p2.nextCursor).toBeNull();

    expect(await errorCode(ada.client.users.get.query({ userId: 'nope' }))).toBe('NOT_FOUND');
    expect(await errorCode(ada.client.users.updateMe.mutate({ displayName: '' }))).toBe(
      'BAD_REQUEST',
    );
  });
});
