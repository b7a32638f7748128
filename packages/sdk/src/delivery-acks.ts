import type { Message, Receipt } from './contract.gen.ts';
import { toParleyError } from './errors.ts';
import type { Request } from './transport.ts';

/**
 * Tells the server which messages reached this device: at most one `markDelivered` per
 * conversation per `intervalMs`, with the highest seq received. The first ack after a quiet
 * interval goes out at once (after the current burst of frames is read); acks for what arrives
 * later in the interval wait for its end and go out together. Acks go over the WebSocket only:
 * while it is down they wait for the reconnect (which flushes them), so they never ride in an
 * HTTP batch with a send and hold up its answer. An ack never moves backwards: nothing at or
 * below the watermark the server has, or an ack in flight asks for, is sent again.
 */
export class DeliveryAcks {
  /** conversationId -> highest seq received and not yet acknowledged. */
  private pending = new Map<string, number>();
  /** conversationId -> this user's delivered watermark as far as we know. */
  private acked = new Map<string, number>();
  /** conversationId -> the seq of the ack in flight. */
  private inFlight = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private active = false;

  constructor(
    private readonly request: Request,
    private readonly intervalMs: number,
    /** Whether calls go over the WebSocket now. */
    private readonly socketOpen: () => boolean,
  ) {}

  setActive(active: boolean): void {
    this.active = active;
    if (!active) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pending.clear();
      this.acked.clear();
      this.inFlight.clear();
    } else this.schedule();
  }

  received(message: Message, me: string): void {
    if (message.senderId === me) return;
    const conversationId = message.conversationId;
    if (this.covered(conversationId) >= message.seq) return;
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

  /** Sends what is pending now: when the interval has passed, and on (re)connect. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.active || !this.pending.size || !this.socketOpen()) return;
    this.lastFlushAt = Date.now();
    const batch = [...this.pending];
    this.pending.clear();
    for (const [conversationId, upToSeq] of batch) {
      if (this.covered(conversationId) >= upToSeq) continue;
      this.inFlight.set(conversationId, upToSeq);
      this.request('conversations.markDelivered', { conversationId, upToSeq }).then(
        (receipt) => {
          this.landed(conversationId, upToSeq);
          this.watermark(receipt);
        },
        (error) => {
          this.landed(conversationId, upToSeq);
          // Kept for the next flush (the next message or the reconnect) if trying again can
          // help; a conversation we have left answers NOT_FOUND for good.
          const { retryable, code } = toParleyError(error);
          if (!this.active || !(retryable || code === 'UNAUTHORIZED')) return;
          const now = this.pending.get(conversationId) ?? 0;
          if (upToSeq > this.covered(conversationId)) {
            this.pending.set(conversationId, Math.max(now, upToSeq));
          }
        },
      );
    }
  }

  /** The highest seq already acknowledged, or asked for by the ack in flight. */
  private covered(conversationId: string): number {
    return Math.max(this.acked.get(conversationId) ?? 0, this.inFlight.get(conversationId) ?? 0);
  }

  private landed(conversationId: string, upToSeq: number): void {
    if (this.inFlight.get(conversationId) === upToSeq) this.inFlight.delete(conversationId);
  }

  private schedule(): void {
    if (!this.active || this.timer || !this.pending.size) return;
    const wait = Math.max(0, this.lastFlushAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }
}
