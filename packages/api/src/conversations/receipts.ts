import type { ReceiptBatcher, ReceiptResult } from './receipt-batch.ts';

/**
 * Moves the caller's delivered and/or read watermark forward (never back, never past the last
 * message). Read implies delivered. Emits a receipt event only when something moved. Written
 * through the instance's receipt batcher (receipts arriving together share one transaction).
 */
export async function moveWatermarks(
  receipts: ReceiptBatcher,
  userId: string,
  input: { conversationId: string; upToSeq?: number | null },
  kind: 'delivered' | 'read',
): Promise<ReceiptResult> {
  return receipts.submit({
    userId,
    conversationId: input.conversationId,
    upToSeq: input.upToSeq,
    kind,
  });
}
