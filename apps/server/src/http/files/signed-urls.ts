import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** What a signed URL opens: one file's original bytes, or one of its thumbnail sizes. */
export type SignedVariant = 'original' | `thumb-${number}`;

export interface DownloadSigner {
  /** `?expires=&signature=` for one file and variant, valid `ttlSeconds` from now. */
  sign(fileId: string, variant: SignedVariant): { query: string; expiresAt: Date };
  /** Whether the query signs exactly this file and variant and has not expired. */
  verify(fileId: string, variant: SignedVariant, expires: string, signature: string): boolean;
}

/**
 * Short-lived download URLs, so `<img src>` works without a bearer header. The MAC covers the
 * file id, the variant and the expiry, with a key derived (HKDF) from the server secret for
 * this one purpose: a URL opens nothing else, and stops working when it expires. Access is
 * checked when the URL is issued; a deleted file answers 404 through it as well.
 */
export function createDownloadSigner(
  secret: Uint8Array,
  ttlSeconds: number,
  now: () => number,
): DownloadSigner {
  const key = Buffer.from(hkdfSync('sha256', secret, 'parley', 'file download url v1', 32));
  const mac = (fileId: string, variant: string, expires: string) =>
    createHmac('sha256', key).update(`${fileId}\n${variant}\n${expires}`).digest();
  return {
    sign(fileId, variant) {
      const expires = String(Math.floor(now() / 1000) + ttlSeconds);
      const signature = mac(fileId, variant, expires).toString('base64url');
      return {
        query: `expires=${expires}&signature=${signature}`,
        expiresAt: new Date(Number(expires) * 1000),
      };
    },
    verify(fileId, variant, expires, signature) {
      if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now()) return false;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(fileId, variant, expires);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
