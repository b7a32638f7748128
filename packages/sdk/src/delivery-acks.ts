import type { Message, Receipt } from './contract.gen.ts';
import { toParleyError } from './errors.ts';
import type { Request } from './transport.ts';

/**
 * Tells the server which messages reached this device: at most one `markDelivered` per
 * conversation per `intervalMs`, with the highest seq received. A conversation's first ack after
 * a quiet interval goes out at once (after the current burst of frames is read), so a message in
 * a calm chat shows as delivered within a round trip; in a busy chat (more than one message per
 * interval) the acks for what arrives meanwhile wait for the interval's end and go out as one.
 * Each conversation is paced on its own: an ack in one chat never holds back another's.
 * Acks go over the WebSocket only: while it is down they wait for the reconnect (which flushes
 * them), so they never ride in an HTTP batch with a send and hold up its answer. An ack never
 * moves backwards: nothing at or below the watermark the server has, or an ack in flight asks
 * for, is sent again.
 */
export class DeliveryAcks {
  /** conversationId -> highest seq received and not yet acknowledged. */
  private pending = new Map<string, number>();
  /** conversationId -> this user's delivered watermark as far as we know. */
  private acked = new Map<string, number>();
  /** conversationId -> the seq of the ack in flight. */
  private inFlight = new Map<string, number>();
  /** conversationId -> when its last ack went out (kept for one interval). */
  private sentAt = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires. */
  private timerAt = Number.POSITIVE_INFINITY;
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
      this.stopTimer();
      this.pending.clear();
      this.acked.clear();
      this.inFlight.clear();
      this.sentAt.clear();
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

  /**
   * Sends what is due now (each conversation whose interval has passed); `all` (on connect and
   * reconnect) sends everything pending.
   */
  flush(all = true): void {
    this.stopTimer();
    if (!this.active || !this.socketOpen()) return;
    const now = Date.now();
    for (const [conversationId, at] of this.sentAt) {
      if (now - at >= this.intervalMs) this.sentAt.delete(conversationId);
    }
    for (const [conversationId, upToSeq] of [...this.pending]) {
      if (!all && this.sentAt.has(conversationId)) continue; // its interval is not over
      this.pending.delete(conversationId);
      if (this.covered(conversationId) >= upToSeq) continue;
      this.send(conversationId, upToSeq, now);
    }
    this.schedule();
  }

  private send(conversationId: string, upToSeq: number, now: number): void {
    this.sentAt.set(conversationId, now);
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

  /** The highest seq already acknowledged, or asked for by the ack in flight. */
  private covered(conversationId: string): number {
    return Math.max(this.acked.get(conversationId) ?? 0, this.inFlight.get(conversationId) ?? 0);
  }

  private landed(conversationId: string, upToSeq: number): void {
    if (this.inFlight.get(conversationId) === upToSeq) this.inFlight.delete(conversationId);
  }

  /** The timer for the earliest pending conversation's due time (at once when quiet). */
  private schedule(): void {
    if (!this.active || !this.pending.size) return;
    let due = Number.POSITIVE_INFINITY;
    for (const conversationId of this.pending.keys()) {
      const at = this.sentAt.get(conversationId);
      due = Math.min(due, at === undefined ? 0 : at + this.intervalMs);
      if (due === 0) break;
    }
    const now = Date.now();
    const at = Math.max(now, due);
    if (this.timer && this.timerAt <= at) return;
    this.stopTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.flush(false), at - now);
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
