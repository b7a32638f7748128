/** What a page says about itself (Open Graph / Twitter card / <title>). */
export interface UnfurledLink {
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** Blob-store key of the stored thumbnail of the page's image, if it had a usable one. */
  imageKey: string | null;
}

/**
 * Fetches a page under strict limits and extracts its preview. Resolves null when there is
 * nothing to show (refused address, not HTML, too big, too slow, no title): it never throws
 * for the page's sake.
 */
export interface LinkUnfurler {
  unfurl(url: string): Promise<UnfurledLink | null>;
}
