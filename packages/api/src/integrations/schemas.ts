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
