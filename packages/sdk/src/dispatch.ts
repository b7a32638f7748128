import type { ParleyEvents } from './client-types.ts';
import type { DurableEvent, EphemeralEvent } from './contract.gen.ts';
import type { DeliveryAcks } from './delivery-acks.ts';
import type { Emitter } from './emitter.ts';
import type { Outbox } from './outbox.ts';
import type { StatusTracker } from './status-tracker.ts';

interface DispatchDeps {
  emitter: Emitter<ParleyEvents>;
  me(): string | null;
  outbox: Outbox;
  acks: DeliveryAcks;
  statuses: StatusTracker;
}

/** Routes each stream event to the app's listeners and to the parts that react to it. */
export function createDispatch({ emitter, me, outbox, acks, statuses }: DispatchDeps) {
  function onDurable(event: DurableEvent): void {
    emitter.emit('event', event);
    switch (event.type) {
      case 'message.created': {
        const { message } = event;
        // The server moves a sender's watermarks to their new message, without a receipt.
        const implied = {
          conversationId: message.conversationId,
          userId: message.senderId,
          lastDeliveredSeq: message.seq,
          lastReadSeq: message.seq,
        };
        if (message.senderId === me()) {
          outbox.confirm(message);
          acks.watermark(implied);
        } else {
          acks.received(message, me() ?? '');
          statuses.receipt(implied);
        }
        emitter.emit('message', message);
        break;
      }
      case 'receipt':
        if (event.userId === me()) acks.watermark(event);
        else statuses.receipt(event);
        emitter.emit('receipt', event);
        break;
      case 'conversation.created':
      case 'conversation.updated':
        statuses.forget(event.conversationId);
        emitter.emit('conversation', event);
        break;
      case 'member.joined':
      case 'member.left':
      case 'member.role_changed':
        statuses.forget(event.conversationId);
        emitter.emit('member', event);
        break;
      case 'message.edited':
      case 'message.updated':
      case 'message.deleted':
      case 'reaction.added':
      case 'reaction.removed':
        emitter.emit('messageUpdated', event);
        break;
      case 'block.changed':
        emitter.emit('block', event);
        break;
      case 'privacy.updated':
        emitter.emit('privacy', event);
        break;
      case 'message.pinned':
      case 'message.unpinned':
        emitter.emit('pin', event);
        break;
      case 'thread.updated':
      case 'thread.read':
        emitter.emit('thread', event);
        break;
      case 'conversation.state_changed':
        emitter.emit('conversationState', event);
        break;
      case 'conversation.deleted':
        statuses.forget(event.conversationId);
        emitter.emit('conversationDeleted', event);
        break;
      case 'draft.updated':
        emitter.emit('draft', event);
        break;
      case 'user.updated':
        emitter.emit('user', event);
        break;
      // Kinds newer than this SDK reach the app through the `event` listener only.
    }
  }

  function onEphemeral(event: EphemeralEvent): void {
    emitter.emit('event', event);
    if (event.type === 'typing') emitter.emit('typing', event);
    else if (event.type === 'presence') emitter.emit('presence', event);
  }

  return { onDurable, onEphemeral };
}
