import type { Request } from './transport.ts';

/**
 * `parley.typing(conversationId)` on every keystroke sends at most one `typing.set(true)` per
 * `intervalMs` (the server forgets it after 5 s without one); `typing(id, false)` stops at once.
 * Typing is best effort: failures are ignored.
 */
export class TypingSender {
  private lastSent = new Map<string, number>();

  constructor(
    private readonly request: Request,
    private readonly intervalMs: number,
  ) {}

  set(conversationId: string, isTyping: boolean): void {
    const last = this.lastSent.get(conversationId);
    if (isTyping) {
      if (last !== undefined && Date.now() - last < this.intervalMs) return;
      this.lastSent.set(conversationId, Date.now());
    } else {
      if (last === undefined) return;
      this.lastSent.delete(conversationId);
    }
    this.request('typing.set', { conversationId, isTyping }).catch(() => undefined);
  }

  /** The server ends typing when a message is sent; the next keystroke starts it again. */
  sent(conversationId: string): void {
    this.lastSent.delete(conversationId);
  }

  clear(): void {
    this.lastSent.clear();
  }
}
