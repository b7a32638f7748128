import { z } from 'zod';

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    /** The bot user the key acts as: add it to conversations like any user. */
    botUserId: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyDto = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = apiKeySchema
  .extend({
    /** `pk_...`: send as `Authorization: Bearer <key>`. Shown once, never again. */
    key: z.string(),
  })
  .meta({ id: 'CreatedApiKey' });

/** What an integration webhook can receive ('*': all of them, including types added later). */
export const webhookEventTypes = [
  'message.created',
  'message.edited',
  'message.deleted',
  'member.added',
  'member.removed',
  'report.created',
  'report.resolved',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const webhookEventTypeSchema = z
  .enum(['*', ...webhookEventTypes])
  .meta({ id: 'WebhookEventType' });

/** http(s) only, no user name or password in it (the secret signs; nothing else authenticates). */
export const webhookUrlSchema = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .max(2048)
  .refine((value) => {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'must not contain a user name or password');

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(webhookEventTypeSchema),
    /** False once disabled (after repeated failure, or by an admin); PATCH `enabled: true` resumes. */
    enabled: z.boolean(),
    disabledAt: z.string().nullable(),
    /** Why it was disabled, e.g. "20 consecutive failed deliveries (last: HTTP 500)". */
    disabledReason: z.string().nullable(),
    /** Failed attempts since the last successful delivery. */
    consecutiveFailures: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Webhook' });
export type WebhookDto = z.infer<typeof webhookSchema>;

export const createdWebhookSchema = webhookSchema
  .extend({
    /** `whsec_...`: verifies `Parley-Signature`. Shown once, never again. */
    secret: z.string(),
  })
  .meta({ id: 'CreatedWebhook' });

export const updatedWebhookSchema = webhookSchema
  .extend({
    /** The new signing secret when `rotateSecret` was set (shown once); otherwise null. */
    secret: z.string().nullable(),
  })
  .meta({ id: 'UpdatedWebhook' });

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    /** The event's id: the same in every attempt (and in the body), for idempotency. */
    eventId: z.string(),
    eventType: z.string(),
    attempt: z.number().int(),
    /** delivered; retrying (failed, will be tried again); gave_up (attempts used up); hook_disabled (this failure disabled the webhook). */
    outcome: z.enum(['delivered', 'retrying', 'gave_up', 'hook_disabled']),
    /** The receiver's HTTP status, null when it gave none (timeout, connection refused). */
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryDto = z.infer<typeof webhookDeliverySchema>;
