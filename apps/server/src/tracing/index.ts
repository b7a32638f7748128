import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentTracer } from '@parley/api';
import type { Config } from '../config.ts';
import type { AppLogger } from '../logger.ts';
import type { TracingSdk } from './sdk.ts';

// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/operations.md
// "Tracing"). The SDK and its exporter are imported here, dynamically, only when enabled.

export type { TracingSdk };

export async function startTracing(config: Config, logger: AppLogger): Promise<TracingSdk | null> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const { startTracingSdk } = await import('./sdk.ts');
  const sdk = await startTracingSdk(config);
  logger.info(
    { url: sdk.url, protocol: sdk.protocol, serviceName: config.OTEL_SERVICE_NAME },
    'tracing enabled',
  );
  return sdk;
}

const MAX_STATEMENT_LENGTH = 2048;
const OPERATION = /^\s*(?:with\b.*?\)\s*)?(\w+)/is;
const TABLE = /^\s*(?:select\b.*?\bfrom|insert\s+into|update|delete\s+from)\s+"?(\w+)"?/is;

/** `SELECT messages`, `INSERT events`, `BEGIN`: the operation and, when plain, its table. */
export function querySpanName(sql: string): string {
  const operation = (OPERATION.exec(sql)?.[1] ?? 'query').toUpperCase();
  const table = TABLE.exec(sql)?.[1];
  return table ? `${operation} ${table}` : operation;
}

/**
 * A client span per database query, from Kysely's query log (called when the query is done, in
 * the caller's async context: the span's parent is the procedure or request that ran it). The
 * SQL text has placeholders, never the parameters' values. Installed only with tracing on.
 */
export function querySpans(
  dialect: 'sqlite' | 'postgres',
): (durationMs: number, failed: boolean, sql: string) => void {
  const system = dialect === 'postgres' ? 'postgresql' : 'sqlite';
  const options = (startTime: number, sql: string) => ({
    kind: SpanKind.CLIENT,
    startTime,
    attributes: {
      'db.system': system,
      'db.system.name': system,
      'db.query.text':
        sql.length > MAX_STATEMENT_LENGTH ? `${sql.slice(0, MAX_STATEMENT_LENGTH)}…` : sql,
    },
  });
  return (durationMs, failed, sql) => {
    // Only inside a traced request or call: the background pollers (event tailer, outbox,
    // search indexer, link previews) would otherwise make several root spans a second.
    if (!trace.getActiveSpan()) return;
    const end = performance.now();
    const span = currentTracer().startSpan(querySpanName(sql), options(end - durationMs, sql));
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(end);
  };
}
