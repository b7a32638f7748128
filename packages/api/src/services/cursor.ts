/** Opaque keyset cursors: clients pass them back unchanged. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, size: number): string[] | null {
  if (!cursor) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parts) &&
      parts.length === size &&
      parts.every((p) => typeof p === 'string')
    ) {
      return parts;
    }
  } catch {
    // fall through
  }
  return null;
}
