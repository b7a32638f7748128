import type { DbOrTx, FileRow } from '@parley/db';
import { sql } from 'kysely';
import type { ApiDeps } from '../deps.ts';
import { DomainError, notFound } from '../errors.ts';
import { nowIso } from '../live/write.ts';
import { requireMember } from '../shared/access.ts';
import { afterKeyset, decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import type { ConversationFileDto, FileDto } from '../shared/schemas.ts';

/** Blob keys of one file: everything under one prefix, so deleting a file is one call. */
export const fileKeys = {
  prefix: (fileId: string) => `files/${fileId}/`,
  original: (fileId: string) => `files/${fileId}/original`,
  thumbnail: (fileId: string, size: number) => `files/${fileId}/thumb-${size}.webp`,
};

export function thumbnailSizesOf(row: Pick<FileRow, 'thumbnail_sizes'>): number[] {
  return row.thumbnail_sizes ? row.thumbnail_sizes.split(',').map(Number) : [];
}

export function toFileDto(row: FileRow): FileDto {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    width: row.width,
    height: row.height,
    placeholder: row.placeholder,
    thumbnailSizes: thumbnailSizesOf(row),
    createdAt: row.created_at,
  };
}

/**
 * Who may read a file: its uploader; members of a conversation where a live message carries
 * it (and who could see that message); anyone signed in for a user's avatar; members of a
 * conversation whose avatar it is. Everyone else is told it does not exist.
 */
async function findReadableFile(
  db: DbOrTx,
  fileId: string,
  userId: string,
): Promise<FileRow | undefined> {
  return db
    .selectFrom('files as f')
    .selectAll('f')
    .where('f.id', '=', fileId)
    .where('f.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('f.owner_id', '=', userId),
        eb.exists(
          eb
            .selectFrom('message_attachments as ma')
            .innerJoin('messages as m', 'm.id', 'ma.message_id')
            .innerJoin('members as mem', (j) =>
              j
                .onRef('mem.conversation_id', '=', 'm.conversation_id')
                .on('mem.user_id', '=', userId),
            )
            .select('ma.file_id')
            .whereRef('ma.file_id', '=', 'f.id')
            .where('m.deleted_at', 'is', null)
            .whereRef('m.seq', '>', 'mem.joined_seq'),
        ),
        eb.exists(
          eb.selectFrom('users as u').select('u.id').whereRef('u.avatar_file_id', '=', 'f.id'),
        ),
        eb.exists(
          eb
            .selectFrom('conversations as c')
            .innerJoin('members as cm', (j) =>
              j.onRef('cm.conversation_id', '=', 'c.id').on('cm.user_id', '=', userId),
            )
            .select('c.id')
            .whereRef('c.avatar_file_id', '=', 'f.id'),
        ),
      ]),
    )
    .executeTakeFirst();
}

export async function requireReadableFile(
  db: DbOrTx,
  fileId: string,
  userId: string,
): Promise<FileRow> {
  const row = await findReadableFile(db, fileId, userId);
  if (!row) throw notFound('File');
  return row;
}

export async function getFile(deps: ApiDeps, userId: string, fileId: string): Promise<FileDto> {
  return toFileDto(await requireReadableFile(deps.db, fileId, userId));
}

/** Stores the row of a file whose bytes are already in the blob store. */
export async function recordFile(deps: ApiDeps, row: FileRow): Promise<FileDto> {
  await deps.db.insertInto('files').values(row).execute();
  return toFileDto(row);
}

/**
 * Soft delete by the uploader: the row stays (so the id never resolves again and messages
 * drop it from their attachments), the bytes go. Readers who are not the uploader get
 * FORBIDDEN; everyone else NOT_FOUND.
 */
export async function deleteFile(deps: ApiDeps, userId: string, fileId: string): Promise<void> {
  const row = await requireReadableFile(deps.db, fileId, userId);
  if (row.owner_id !== userId) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Only the uploader can delete a file' });
  }
  await deps.db
    .updateTable('files')
    .set({ deleted_at: nowIso(deps) })
    .where('id', '=', fileId)
    .where('deleted_at', 'is', null)
    .execute();
  try {
    await deps.blobs.deletePrefix(fileKeys.prefix(fileId));
  } catch (error) {
    // The row is already a tombstone, so nobody can read the bytes; the next delete retries.
    deps.logger.error({ err: error, fileId }, 'removing deleted file bytes failed');
  }
}

/** Files shared in a conversation (the caller's visible history), newest message first. */
export async function listConversationFiles(
  deps: ApiDeps,
  userId: string,
  input: { conversationId: string; cursor?: string | null; limit?: number },
): Promise<{ items: ConversationFileDto[]; nextCursor: string | null }> {
  const member = await requireMember(deps.db, input.conversationId, userId);
  const limit = pageLimit(deps.limits, input.limit);
  let query = deps.db
    .selectFrom('message_attachments as ma')
    .innerJoin('messages as m', 'm.id', 'ma.message_id')
    .innerJoin('files as f', 'f.id', 'ma.file_id')
    .selectAll('f')
    .select(['m.id as message_id', 'm.seq as message_seq', 'm.sender_id', 'ma.position'])
    .where('m.conversation_id', '=', input.conversationId)
    .where('m.seq', '>', member.joined_seq)
    .where('m.deleted_at', 'is', null)
    .where('f.deleted_at', 'is', null);
  const after = decodeCursor(input.cursor, 2)?.map(Number);
  if (after?.every(Number.isInteger)) {
    const [seq, position] = after as [number, number];
    query = query.where(
      afterKeyset(
        { column: sql.ref('m.seq'), direction: 'desc', value: seq },
        { column: sql.ref('ma.position'), direction: 'asc', value: position },
      ),
    );
  }
  const rows = await query
    .orderBy('m.seq', 'desc')
    .orderBy('ma.position', 'asc')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [
    String(last.message_seq),
    String(last.position),
  ]);
  return {
    items: page.map((r) => ({
      ...toFileDto(r),
      messageId: r.message_id,
      messageSeq: r.message_seq,
      senderId: r.sender_id,
    })),
    nextCursor,
  };
}
