import type { DbOrTx, MessageRow } from '@parley/db';
import { newId } from '@parley/db';
import type { ApiDeps } from '../deps.ts';
import { type Emit, nowIso } from '../live/write.ts';
import { appendMessage } from '../messages/append.ts';
import { emptySystemFields, toMessageDto } from '../shared/mappers.ts';
import type { SystemPayload } from '../shared/schemas.ts';

const RETENTION_LABELS = { '24h': '24 hours', '7d': '7 days', '90d': '90 days' } as const;

/** How many names a fallback text spells out before "and N others". */
const NAMED = 3;

function nameList(names: string[]): string {
  if (names.length <= 1) return names.join('');
  if (names.length > NAMED) {
    return `${names.slice(0, NAMED).join(', ')} and ${names.length - NAMED} others`;
  }
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The English fallback `text` of a system message, for clients that do not render `system`. */
export function renderSystemText(p: SystemPayload, name: (id: string | null) => string): string {
  const actor = name(p.actorId);
  const users = nameList(p.userIds.map(name));
  switch (p.action) {
    case 'group_created':
      return `${actor} created the group “${p.name}”`;
    case 'members_added':
      return `${actor} added ${users}`;
    case 'member_removed':
      return `${actor} removed ${users}`;
    case 'member_left':
      return `${users} left`;
    case 'role_changed':
      if (!p.actorId) return `${users} is now an admin`;
      return p.role === 'admin'
        ? `${actor} made ${users} an admin`
        : `${actor} removed ${users} as admin`;
    case 'group_renamed':
      return `${actor} renamed the group to “${p.name}”`;
    case 'description_changed':
      return `${actor} changed the group description`;
    case 'avatar_changed':
      return `${actor} changed the group photo`;
    case 'message_pinned':
      return `${actor} pinned a message`;
    case 'retention_changed':
      return p.retention === 'off' || !p.retention
        ? `${actor} turned off disappearing messages`
        : `${actor} set messages to disappear after ${RETENTION_LABELS[p.retention]}`;
  }
}

/**
 * Appends a system message to the timeline and emits it as `message.created`, like any
 * message: it takes a seq, shows in history and the live stream, and never counts as unread
 * (unread counts only kind 'text'). `senderId` is the actor, or whoever triggered an automatic
 * change. Runs inside the transaction of the change it records.
 */
export async function postSystemMessage(
  deps: ApiDeps,
  trx: DbOrTx,
  emit: Emit,
  conversationId: string,
  senderId: string,
  payload: SystemPayload,
): Promise<MessageRow> {
  const ids = [...new Set([payload.actorId, ...payload.userIds.slice(0, NAMED)])].filter(
    (id): id is string => id !== null,
  );
  const users = await trx
    .selectFrom('users')
    .select(['id', 'display_name'])
    .where('id', 'in', ids.length > 0 ? ids : [''])
    .execute();
  const names = new Map(users.map((u) => [u.id, u.display_name]));
  const message = await appendMessage(trx, {
    conversationId,
    senderId,
    clientMessageId: `system:${newId()}`,
    kind: 'system',
    text: renderSystemText(payload, (id) => (id && names.get(id)) || 'Someone'),
    system: payload,
    at: nowIso(deps),
  });
  emit({ event: { type: 'message.created', conversationId, message: toMessageDto(message) } });
  return message;
}

/** A payload with the unused fields left empty. */
export function systemPayload(
  action: SystemPayload['action'],
  actorId: string | null,
  fields: Partial<Omit<SystemPayload, 'action' | 'actorId'>> = {},
): SystemPayload {
  return { action, actorId, ...emptySystemFields(), ...fields };
}
