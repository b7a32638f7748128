import { randomBytes } from 'node:crypto';
import { type DbOrTx, latestEventId, newId, type WebhookRow } from '@parley/db';
import { recordAudit } from '../admin/audit.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { nowIso } from '../live/write.ts';
import { decodeCursor, pageLimit, pageOf } from '../shared/cursor.ts';
import type { WebhookDeliveryDto, WebhookDto, WebhookEventType } from './schemas.ts';

type Subscribed = WebhookEventType | '*';

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function eventTypesOf(row: Pick<WebhookRow, 'event_types'>): Subscribed[] {
  return JSON.parse(row.event_types) as Subscribed[];
}

export function subscribes(row: Pick<WebhookRow, 'event_types'>, type: WebhookEventType): boolean {
  const types = eventTypesOf(row);
  return types.includes('*') || types.includes(type);
}

function toDto(row: WebhookRow): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: eventTypesOf(row),
    enabled: row.state === 'active',
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    consecutiveFailures: Number(row.consecutive_failures),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The set without duplicates, '*' alone if it is there. */
function normalizeTypes(types: Subscribed[]): Subscribed[] {
  return types.includes('*') ? ['*'] : [...new Set(types)];
}

/**
 * A new webhook; it receives the events committed from now on (its cursor starts at the
 * newest event). The signing secret is in this answer only.
 */
export async function createWebhook(
  deps: ApiDeps,
  actorId: string,
  input: { url: string; events: Subscribed[]; description?: string | undefined },
): Promise<WebhookDto & { secret: string }> {
  const now = nowIso(deps);
  const row: WebhookRow = {
    id: newId(),
    url: input.url,
    description: input.description ?? '',
    event_types: JSON.stringify(normalizeTypes(input.events)),
    secret: newSecret(),
    state: 'active',
    consecutive_failures: 0,
    disabled_at: null,
    disabled_reason: null,
    cursor: '',
    created_by: actorId,
    created_at: now,
    updated_at: now,
  };
  await deps.db.transaction().execute(async (trx) => {
    row.cursor = (await latestEventId(trx)) ?? '';
    await trx.insertInto('webhooks').values(row).execute();
    await recordAudit(deps, trx, {
      actorId,
      action: 'webhook.created',
      targetType: 'webhook',
      targetId: row.id,
      details: { url: row.url, events: row.event_types },
    });
  });
  return { ...toDto(row), secret: row.secret };
}

export async function listWebhooks(deps: ApiDeps): Promise<{ items: WebhookDto[] }> {
  const rows = await deps.db.selectFrom('webhooks').selectAll().orderBy('id').execute();
  return { items: rows.map(toDto) };
}

async function requireWebhook(trx: DbOrTx, webhookId: string): Promise<WebhookRow> {
  const row = await trx
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', webhookId)
    .executeTakeFirst();
  if (!row) throw notFound('Webhook');
  return row;
}

export interface WebhookChange {
  webhookId: string;
  url?: string | undefined;
  events?: Subscribed[] | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
  rotateSecret?: boolean | undefined;
}

/**
 * Changes a webhook. `enabled: true` on a disabled hook resumes it: the failure count starts
 * over, the deliveries it still owed are due at once, and it receives the events committed
 * from now on (not those of the time it was disabled). `rotateSecret` signs everything from
 * now on, retries included, with a new secret returned in this answer only.
 */
export async function updateWebhook(
  deps: ApiDeps,
  actorId: string,
  change: WebhookChange,
): Promise<WebhookDto & { secret: string | null }> {
  const now = nowIso(deps);
  const secret = change.rotateSecret ? newSecret() : null;
  const row = await deps.db.transaction().execute(async (trx) => {
    const current = await requireWebhook(trx, change.webhookId);
    const next: Partial<WebhookRow> = { updated_at: now };
    if (change.url !== undefined) next.url = change.url;
    if (change.description !== undefined) next.description = change.description;
    if (change.events !== undefined)
      next.event_types = JSON.stringify(normalizeTypes(change.events));
    if (secret) next.secret = secret;
    if (change.enabled === false && current.state === 'active') {
      Object.assign(next, {
        state: 'disabled',
        disabled_at: now,
        disabled_reason: 'disabled by an admin',
      });
    } else if (change.enabled === true && current.state === 'disabled') {
      Object.assign(next, {
        state: 'active',
        disabled_at: null,
        disabled_reason: null,
        consecutive_failures: 0,
        cursor: (await latestEventId(trx)) ?? '',
      });
      await trx
        .updateTable('webhook_outbox')
        .set({ next_attempt_at: now })
        .where('webhook_id', '=', current.id)
        .where('state', '=', 'pending')
        .execute();
    }
    await trx.updateTable('webhooks').set(next).where('id', '=', current.id).execute();
    const details: Record<string, string | null> = {};
    if (change.url !== undefined) details.url = change.url;
    if (change.events !== undefined) details.events = next.event_types ?? null;
    if (change.enabled !== undefined) details.enabled = String(change.enabled);
    if (secret) details.secretRotated = 'true';
    await recordAudit(deps, trx, {
      actorId,
      action: 'webhook.updated',
      targetType: 'webhook',
      targetId: current.id,
      details,
    });
    return { ...current, ...next } as WebhookRow;
  });
  return { ...toDto(row), secret };
}

/** Deletes a webhook with its pending deliveries and its delivery log. */
export async function deleteWebhook(
  deps: ApiDeps,
  actorId: string,
  webhookId: string,
): Promise<{ ok: true }> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await requireWebhook(trx, webhookId);
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', row.id).execute();
    await trx.deleteFrom('webhook_outbox').where('webhook_id', '=', row.id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', row.id).execute();
    await recordAudit(deps, trx, {
      actorId,
      action: 'webhook.deleted',
      targetType: 'webhook',
      targetId: row.id,
      details: { url: row.url },
    });
  });
  return { ok: true };
}

/** The delivery log of one webhook, newest attempt first. */
export async function listWebhookDeliveries(
  deps: ApiDeps,
  input: { webhookId: string; cursor?: string | null | undefined; limit?: number | undefined },
): Promise<{ items: WebhookDeliveryDto[]; nextCursor: string | null }> {
  await requireWebhook(deps.db, input.webhookId);
  const limit = pageLimit(deps.limits, input.limit);
  const after = decodeCursor(input.cursor, 1);
  let query = deps.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', input.webhookId);
  if (after) query = query.where('id', '<', after[0]!);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const { page, nextCursor } = pageOf(rows, limit, (last) => [last.id]);
  return {
    items: page.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.event_type,
      attempt: Number(r.attempt),
      outcome: r.outcome,
      statusCode: r.status_code === null ? null : Number(r.status_code),
      error: r.error,
      durationMs: Number(r.duration_ms),
      createdAt: r.created_at,
    })),
    nextCursor,
  };
}

/** The JSON body every delivery sends: the same bytes in every attempt. */
export function webhookBody(event: {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: unknown;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    data: event.data,
  });
}

/**
 * Inside an action's transaction (reports, which are not in the event log): one outbox row
 * per active webhook that receives `type`. Reports are rare, so one read of the (small)
 * webhooks table per report is all it costs when no webhook is configured.
 */
export async function queueWebhookEvent(
  deps: ApiDeps,
  trx: DbOrTx,
  type: WebhookEventType,
  data: unknown,
): Promise<void> {
  const hooks = await trx
    .selectFrom('webhooks')
    .select(['id', 'event_types'])
    .where('state', '=', 'active')
    .execute();
  const targets = hooks.filter((h) => subscribes(h, type));
  if (targets.length === 0) return;
  const now = nowIso(deps);
  const eventId = newId();
  const body = webhookBody({ id: eventId, type, createdAt: now, data });
  await trx
    .insertInto('webhook_outbox')
    .values(
      targets.map((h) => ({
        id: newId(),
        webhook_id: h.id,
        event_id: eventId,
        event_type: type,
        body,
        state: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        claim_token: null,
        created_at: now,
        delivered_at: null,
      })),
    )
    .execute();
}
