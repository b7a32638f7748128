/** What the domain reports for operations; the server turns it into Prometheus metrics. */
export interface Metrics {
  /** Every query and mutation, over HTTP or WebSocket. */
  procedureCompleted(path: string, type: string, durationMs: number, ok: boolean): void;
  /** A group commit of `size` sends (one transaction). */
  sendBatchCommitted(size: number): void;
}

export const noMetrics: Metrics = { procedureCompleted() {}, sendBatchCommitted() {} };
