import { z } from 'zod';
import { clientString, idSchema } from '../shared/schemas.ts';

export const serverRoleSchema = z.enum(['user', 'moderator', 'admin']).meta({ id: 'ServerRole' });
export type ServerRoleDto = z.infer<typeof serverRoleSchema>;

/** What moderators see of an account (the public profile plus email, role and ban). */
export const adminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    isBot: z.boolean(),
    /** Effective role: ADMIN_EMAILS makes an admin whatever is stored. */
    role: serverRoleSchema,
    banned: z.boolean(),
    /** While banned: when the ban ends (null: until unbanned). */
    bannedUntil: z.string().nullable(),
    banReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'AdminUser' });
export type AdminUserDto = z.infer<typeof adminUserSchema>;

export const auditEntrySchema = z
  .object({
    id: z.string(),
    /** Null: the command line (`pnpm parley admin ...`). */
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    details: z.record(z.string(), z.string().nullable()),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryDto = z.infer<typeof auditEntrySchema>;

export const pageQuery = {
  cursor: clientString().max(512).nullish(),
  limit: z.coerce.number<number>().int().min(1).max(100).optional(),
};

export const banInputSchema = z.strictObject({
  userId: idSchema,
  /** ISO time the ban ends; omitted: until unbanned. */
  until: z.iso.datetime().optional(),
  reason: clientString().trim().max(500).optional(),
});
