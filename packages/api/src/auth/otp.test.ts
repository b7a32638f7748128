import { describe, expect, it } from 'vitest';
import { displayNameFromEmail } from './otp.ts';

describe('displayNameFromEmail', () => {
  it('uses the local part, up to 64 characters', () => {
    expect(displayNameFromEmail('ada.lovelace@example.com')).toBe('ada.lovelace');
    expect(displayNameFromEmail(`${'x'.repeat(80)}@example.com`)).toHaveLength(64);
    expect(displayNameFromEmail('@example.com')).toBe('Parley user');
  });
});
