import type { Participant, Receipt } from './contract.gen.ts';
import type { Outgoing } from './outgoing.ts';
import type { Request } from './transport.ts';

type Watermarks = Map<string, { delivered: number; read: number }>;

/** At most this many sent messages are watched for delivered/read at once (oldest dropped). */
const MAX_TRACKED = 500;

/**
 * Moves this device's sent messages from `sent` to `delivered` to `read` as receipts arrive:
 * a message is delivered (read) once every other member's watermark has passed its seq; in
 * between, `readBy` counts the members who have read it (groups: "read by N of M"). The
 * members' watermarks are loaded once per conversation, then kept current from receipts.
 */
export class StatusTracker {
  private tracked: Outgoing[] = [];
  private members = new Map<string, Promise<Watermarks>>();

  constructor(
    private readonly request: Request,
    private readonly me: () => string | null,
    private readonly onChange: (item: Outgoing) => void,
  ) {}

  track(item: Outgoing): void {
    if (!item.message || item.status === 'read') return;
    this.tracked.push(item);
    if (this.tracked.length > MAX_TRACKED) this.tracked.shift();
    // Receipts may have arrived before the send call returned: this item alone is looked at
    // (the others were when their receipts came).
    if (this.members.has(item.conversationId))
      void this.update(item.conversationId, undefined, item);
  }

  receipt(receipt: Receipt): void {
    const { conversationId, userId } = receipt;
    if (userId === this.me() || !this.tracked.some((i) => i.conversationId === conversationId)) {
      return;
    }
    void this.update(conversationId, receipt);
  }

  /** Membership changed: load the members again next time. */
  forget(conversationId: string): void {
    this.members.delete(conversationId);
  }

  clear(): void {
    this.tracked = [];
    this.members.clear();
  }

  private watermarks(conversationId: string): Promise<Watermarks> {
    let loaded = this.members.get(conversationId);
    if (!loaded) {
      loaded = this.request('conversations.participants', { conversationId }).then(
        (participants: Participant[]) =>
          new Map(
            participants
              .filter((p) => p.user.id !== this.me())
              .map((p) => [p.user.id, { delivered: p.lastDeliveredSeq, read: p.lastReadSeq }]),
          ),
      );
      // A failed load is retried with the next receipt.
      loaded.catch(() => this.members.delete(conversationId));
      this.members.set(conversationId, loaded);
    }
    return loaded;
  }

  /** Moves the conversation's tracked items (or `only` that one) on with the watermarks. */
  private async update(conversationId: string, receipt?: Receipt, only?: Outgoing): Promise<void> {
    const marks = await this.watermarks(conversationId).catch(() => null);
    if (!marks) return;
    if (receipt) {
      const known = marks.get(receipt.userId) ?? { delivered: 0, read: 0 };
      marks.set(receipt.userId, {
        delivered: Math.max(known.delivered, receipt.lastDeliveredSeq),
        read: Math.max(known.read, receipt.lastReadSeq),
      });
    }
    const others = [...marks.values()];
    if (others.length === 0) return;
    const items = only ? [only] : this.tracked.filter((i) => i.conversationId === conversationId);
    let reads = 0;
    for (const item of items) {
      const seq = item.message!.seq;
      const readBy = others.filter((m) => m.read >= seq).length;
      const counted = readBy !== item.readBy || others.length !== item.recipientCount;
      item.readBy = readBy;
      item.recipientCount = others.length;
      const status =
        readBy === others.length
          ? 'read'
          : others.every((m) => m.delivered >= seq)
            ? 'delivered'
            : 'sent';
      const backwards =
        (item.status === 'read' && status !== 'read') ||
        (item.status === 'delivered' && status === 'sent');
      if (status !== item.status && !backwards) item.status = status;
      else if (!counted) continue;
      if (item.status === 'read') reads++;
      this.onChange(item);
    }
    if (reads > 0) this.tracked = this.tracked.filter((i) => i.status !== 'read');
  }
}
