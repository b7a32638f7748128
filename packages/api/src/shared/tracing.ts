import { type Tracer, type TracerProvider, trace } from '@opentelemetry/api';

// Spans go through @opentelemetry/api only. With no SDK registered (tracing off, the default)
// every call is the API's no-op; the server registers one when OTEL_EXPORTER_OTLP_ENDPOINT is
// set (apps/server/src/tracing). No tokens, passwords or message text in any attribute.

let provider: TracerProvider | undefined;
let tracer: Tracer | undefined;

/**
 * Parley's tracer. Fetched again when the global provider changes: a tracer obtained before an
 * SDK was unregistered (a server closed in the same process, as in tests) would keep exporting
 * to the closed one.
 */
export function currentTracer(): Tracer {
  const current = trace.getTracerProvider();
  if (current !== provider || !tracer) {
    provider = current;
    tracer = current.getTracer('parley');
  }
  return tracer;
}
