import type { Message, Receipt } from './contract.gen.ts';
import type { Request } from './transport.ts';

/**
 * Tells the server which messages reached this device. Acks are collected for `delayMs` and
 * then sent together (one HTTP batch, one `markDelivered` per conversation, up to the highest
 * seq received), so a burst of messages or a replay after reconnect costs one request.
 */
export class DeliveryAcks {
  /** conversationId -> highest seq received and not yet acknowledged. */
  private pending = new Map<string, number>();
  /** conversationId -> this user's delivered watermark as far as we know. */
  private acked = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private active = false;

  constructor(
    private readonly request: Request,
    private readonly delayMs: number,
  ) {}

  setActive(active: boolean): void {
    this.active = active;
    if (!active) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pending.clear();
      this.acked.clear();
    } else if (this.pending.size) this.schedule();
  }

  received(message: Message, me: string): void {
    if (message.senderId === me) return;
    const conversationId = message.conversationId;
    if ((this.acked.get(conversationId) ?? 0) >= message.seq) return;
    this.pending.set(conversationId, Math.max(this.pending.get(conversationId) ?? 0, message.seq));
    this.schedule();
  }

  /** Our own watermark moved (this or another device, or a markRead): skip what it covers. */
  watermark(receipt: Pick<Receipt, 'conversationId' | 'lastDeliveredSeq'>): void {
    const { conversationId, lastDeliveredSeq } = receipt;
    this.acked.set(conversationId, Math.max(this.acked.get(conversationId) ?? 0, lastDeliveredSeq));
    if ((this.pending.get(conversationId) ?? Infinity) <= lastDeliveredSeq) {
      this.pending.delete(conversationId);
    }
  }

  /** Sends what is pending now (also called on reconnect to retry failed acks). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.active) return;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [conversationId, upToSeq] of batch) {
      this.request('conversations.markDelivered', { conversationId, upToSeq }).then(
        (receipt) => this.watermark(receipt),
        () => {
          // Keep it for the next flush (the next message or the next reconnect).
          const now = this.pending.get(conversationId) ?? 0;
          this.pending.set(conversationId, Math.max(now, upToSeq));
        },
      );
    }
  }

  private schedule(): void {
    if (!this.active || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }
}
