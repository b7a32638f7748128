import { type DbOrTx, dialectOf, type FileRow } from '@parley/db';
import { DomainError, notFound } from '../errors.ts';
import type { FileDto } from '../shared/schemas.ts';
import { toFileDto } from './files.ts';

/**
 * The caller's own, live files, in the order given. Anything else answers NOT_FOUND (never
 * reveal someone else's file). On PostgreSQL the rows are locked until the transaction ends,
 * so the sweep cannot remove a file that is being attached.
 */
export async function requireOwnFiles(
  trx: DbOrTx,
  userId: string,
  fileIds: string[],
): Promise<FileRow[]> {
  if (fileIds.length === 0) return [];
  if (new Set(fileIds).size !== fileIds.length) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'A file is attached more than once' });
  }
  let query = trx
    .selectFrom('files')
    .selectAll()
    .where('id', 'in', fileIds)
    .where('owner_id', '=', userId)
    .where('deleted_at', 'is', null);
  if (dialectOf(trx) === 'postgres') query = query.forUpdate();
  const rows = await query.execute();
  return fileIds.map((id) => {
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFound('File');
    return row;
  });
}

/**
 * The avatar rule, for users and groups alike: the caller's own, live image (one that got
 * thumbnails at upload). Marks it attached, so the sweep keeps it.
 */
export async function requireAvatarImage(
  trx: DbOrTx,
  userId: string,
  fileId: string,
  now: string,
): Promise<FileRow> {
  const [row] = await requireOwnFiles(trx, userId, [fileId]);
  if (!row?.thumbnail_sizes) {
    throw new DomainError({ code: 'BAD_REQUEST', message: 'An avatar must be an image' });
  }
  await markAttached(trx, [fileId], now);
  return row;
}

async function markAttached(trx: DbOrTx, fileIds: string[], now: string): Promise<void> {
  if (fileIds.length === 0) return;
  await trx
    .updateTable('files')
    .set({ attached_at: now })
    .where('id', 'in', fileIds)
    .where('attached_at', 'is', null)
    .execute();
}

export async function attachToMessage(
  trx: DbOrTx,
  messageId: string,
  files: FileRow[],
  now: string,
): Promise<void> {
  if (files.length === 0) return;
  await trx
    .insertInto('message_attachments')
    .values(files.map((f, position) => ({ message_id: messageId, file_id: f.id, position })))
    .execute();
  await markAttached(
    trx,
    files.map((f) => f.id),
    now,
  );
}

/** Live attachments of a page of messages, in order, with one query. */
export async function attachmentsOf(
  db: DbOrTx,
  messageIds: string[],
): Promise<Map<string, FileDto[]>> {
  const byMessage = new Map<string, FileDto[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .selectFrom('message_attachments as ma')
    .innerJoin('files as f', 'f.id', 'ma.file_id')
    .selectAll('f')
    .select('ma.message_id')
    .where('ma.message_id', 'in', messageIds)
    .where('f.deleted_at', 'is', null)
    .orderBy('ma.message_id')
    .orderBy('ma.position')
    .execute();
  for (const row of rows) {
    const list = byMessage.get(row.message_id) ?? [];
    list.push(toFileDto(row));
    byMessage.set(row.message_id, list);
  }
  return byMessage;
}
