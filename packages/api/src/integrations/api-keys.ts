import { randomBytes } from 'node:crypto';
import { newId } from '@parley/db';
import { recordAudit } from '../admin/audit.ts';
import { applyBan } from '../admin/bans.ts';
import { hashSecret, secretMatches } from '../auth/tokens.ts';
import type { LiveServices } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { nowIso, writeWithEvents } from '../live/write.ts';
import type { ApiKeyDto } from './schemas.ts';

const PREFIX = 'pk_';
/** How long one API-key context lives (a WebSocket stream opened with a key ends after it). */
const KEY_SESSION_MS = 24 * 3600_000;

/** Keys are `pk_<keyId>.<secret>`; only a hash of the secret is stored. */
export function isApiKey(token: string): boolean {
  return token.startsWith(PREFIX);
}

/** The bot user a valid, unrevoked key acts as; null for anything else. */
export async function verifyApiKey(
  deps: ApiDeps,
  token: string,
): Promise<{ userId: string; expiresAt: number } | null> {
  const body = token.slice(PREFIX.length);
  const dot = body.indexOf('.');
  if (dot <= 0 || dot > 64) return null;
  const row = await deps.db
    .selectFrom('api_keys')
    .select(['bot_user_id', 'key_hash', 'revoked_at'])
    .where('id', '=', body.slice(0, dot))
    .executeTakeFirst();
  if (!row || row.revoked_at || !secretMatches(body.slice(dot + 1), row.key_hash)) return null;
  return { userId: row.bot_user_id, expiresAt: deps.clock.now() + KEY_SESSION_MS };
}

function toDto(row: {
  id: string;
  name: string;
  bot_user_id: string;
  created_at: string;
  revoked_at: string | null;
}): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    botUserId: row.bot_user_id,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * A new key and the bot user it acts as (named `name`, shown as a bot). The secret is in this
 * answer only.
 */
export async function createApiKey(
  deps: ApiDeps,
  actorId: string,
  input: { name: string },
): Promise<ApiKeyDto & { key: string }> {
  const id = newId();
  const botUserId = newId();
  const secret = randomBytes(32).toString('base64url');
  const now = nowIso(deps);
  const row = {
    id,
    name: input.name,
    bot_user_id: botUserId,
    key_hash: hashSecret(secret),
    created_by: actorId,
    created_at: now,
    revoked_at: null,
  };
  await writeWithEvents(deps, async (trx) => {
    await trx
      .insertInto('users')
      .values({
        id: botUserId,
        // Not an address anyone can receive mail at or log in with (no password, no codes).
        email: `bot-${botUserId.toLowerCase()}@bots.invalid`,
        display_name: input.name,
        about: '',
        avatar_file_id: null,
        created_at: now,
        updated_at: now,
        last_seen_at: null,
        kind: 'bot',
        banned_at: null,
        banned_until: null,
        ban_reason: null,
      })
      .execute();
    await trx.insertInto('api_keys').values(row).execute();
    await recordAudit(deps, trx, {
      actorId,
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: id,
      details: { name: input.name, botUserId },
    });
  });
  return { ...toDto(row), key: `${PREFIX}${id}.${secret}` };
}

export async function listApiKeys(deps: ApiDeps): Promise<{ items: ApiKeyDto[] }> {
  const rows = await deps.db.selectFrom('api_keys').selectAll().orderBy('id').execute();
  return { items: rows.map(toDto) };
}

/**
 * Revokes at once: new requests with the key are refused, and its bot is banned, which ends
 * the bot's open live streams and refuses its open WebSocket's calls on every instance.
 */
export async function revokeApiKey(
  deps: ApiDeps,
  live: LiveServices,
  actorId: string,
  keyId: string,
): Promise<ApiKeyDto> {
  const botUserId = await writeWithEvents(deps, async (trx, emit) => {
    const row = await trx
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .executeTakeFirst();
    if (!row) throw notFound('API key');
    if (row.revoked_at) return null;
    await trx
      .updateTable('api_keys')
      .set({ revoked_at: nowIso(deps) })
      .where('id', '=', keyId)
      .execute();
    await applyBan(deps, trx, emit, {
      userId: row.bot_user_id,
      until: null,
      reason: 'API key revoked',
    });
    await recordAudit(deps, trx, {
      actorId,
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: keyId,
      details: { botUserId: row.bot_user_id },
    });
    return row.bot_user_id;
  });
  if (botUserId) live.bans.ban(botUserId, null);
  const row = await deps.db
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', keyId)
    .executeTakeFirstOrThrow();
  return toDto(row);
}
