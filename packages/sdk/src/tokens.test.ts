import { describe, expect, it } from 'vitest';
import { refreshDeadline } from './tokens.ts';

const jwt = (claims: object) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;

describe('refreshDeadline', () => {
  it("counts the token's own lifetime from when it arrived, whatever the clocks say", () => {
    // Issued "a year ago" by a server whose clock is off: still 15 minutes from now.
    const token = jwt({ iat: 1_000, exp: 1_000 + 900 });
    expect(refreshDeadline(token, 0, 5_000_000)).toBe(5_000_000 + 839_000);
  });

  it('refreshes short-lived tokens at four fifths of their life, less the rounding second', () => {
    expect(refreshDeadline(jwt({ iat: 0, exp: 10 }), 0, 0)).toBe(7_000);
  });

  it('falls back to the expiry the server reported for tokens that are not JWTs', () => {
    expect(refreshDeadline('opaque', 1_000_000, 100_000)).toBe(100_000 + 900_000 - 61_000);
  });
});
