import { type Expression, type SqlBool, sql } from 'kysely';
import type { Limits } from '../deps.ts';

/** Opaque keyset cursors: clients pass them back unchanged. */
function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, size: number): string[] | null {
  if (!cursor) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parts) &&
      parts.length === size &&
      // A forged cursor holding NUL would reach PostgreSQL, which cannot compare it.
      parts.every((p) => typeof p === 'string' && !p.includes('\u0000'))
    ) {
      return parts;
    }
  } catch {
    // fall through
  }
  return null;
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only says whether there is more,
 * and the last row kept gives the cursor of the next page.
 */
export function pageOf<Row>(
  rows: Row[],
  limit: number,
  keyOf: (last: Row) => string[],
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** One column of a keyset ordering: the expression, its direction, and the cursor's value. */
export interface KeyPart {
  column: Expression<unknown>;
  direction: 'asc' | 'desc';
  value: string | number;
}

/** Rows strictly after the cursor for `ORDER BY first, second` (each in its own direction). */
export function afterKeyset(first: KeyPart, second: KeyPart): Expression<SqlBool> {
  const beyond = (p: KeyPart) =>
    sql<SqlBool>`${p.column} ${sql.raw(p.direction === 'asc' ? '>' : '<')} ${p.value}`;
  return sql<SqlBool>`(${beyond(first)} or (${first.column} = ${first.value} and ${beyond(second)}))`;
}

/** The page size a list asks for, within the configured default and maximum. */
export function pageLimit(limits: Limits, requested: number | undefined): number {
  return Math.min(requested ?? limits.pageSizeDefault, limits.pageSizeMax);
}
