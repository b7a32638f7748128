import { describe, expect, it } from 'vitest';
import { renderSystemText, systemPayload } from './system-messages.ts';

const names: Record<string, string> = { a: 'Ada', b: 'Ben', c: 'Cy', d: 'Dee', e: 'Eve' };
const name = (id: string | null) => (id && names[id]) || 'Someone';
const text = (...args: Parameters<typeof systemPayload>) =>
  renderSystemText(systemPayload(...args), name);

describe('system message fallback text', () => {
  it('names the actor and up to three users, then counts the rest', () => {
    expect(text('members_added', 'a', { userIds: ['b'] })).toBe('Ada added Ben');
    expect(text('members_added', 'a', { userIds: ['b', 'c'] })).toBe('Ada added Ben and Cy');
    expect(text('members_added', 'a', { userIds: ['b', 'c', 'd'] })).toBe(
      'Ada added Ben, Cy and Dee',
    );
    expect(text('members_added', 'a', { userIds: ['b', 'c', 'd', 'e', 'x'] })).toBe(
      'Ada added Ben, Cy, Dee and 2 others',
    );
  });

  it('renders every action', () => {
    expect(text('group_created', 'a', { name: 'Trip', userIds: ['b'] })).toBe(
      'Ada created the group “Trip”',
    );
    expect(text('member_removed', 'a', { userIds: ['b'] })).toBe('Ada removed Ben');
    expect(text('member_left', 'b', { userIds: ['b'] })).toBe('Ben left');
    expect(text('role_changed', 'a', { userIds: ['b'], role: 'admin' })).toBe(
      'Ada made Ben an admin',
    );
    expect(text('role_changed', 'a', { userIds: ['b'], role: 'member' })).toBe(
      'Ada removed Ben as admin',
    );
    expect(text('role_changed', null, { userIds: ['b'], role: 'admin' })).toBe(
      'Ben is now an admin',
    );
    expect(text('group_renamed', 'a', { name: 'New' })).toBe('Ada renamed the group to “New”');
    expect(text('description_changed', 'a')).toBe('Ada changed the group description');
    expect(text('avatar_changed', 'a')).toBe('Ada changed the group photo');
  });
});
