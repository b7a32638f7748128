import { context, propagation, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config.ts';

// Loaded by a dynamic import from tracing/index.ts, and only when OTEL_EXPORTER_OTLP_ENDPOINT
// is set: with tracing off none of the SDK's modules is loaded (no start-up time, no memory),
// and the @opentelemetry/api calls in the request paths are the API's no-ops.

export interface TracingSdk {
  /** Where spans go (the traces URL, without the headers, which may hold a key). */
  url: string;
  protocol: 'http/protobuf' | 'http/json';
  /** Exports what is buffered, then unregisters the SDK (the API is a no-op again). */
  shutdown(): Promise<void>;
}

/** OTLP/HTTP's rule: the generic endpoint gets the signal's path appended. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

export async function startTracingSdk(
  config: Pick<
    Config,
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_PROTOCOL'
    | 'OTEL_EXPORTER_OTLP_HEADERS'
    | 'OTEL_SERVICE_NAME'
  >,
): Promise<TracingSdk> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) throw new Error('OTEL_EXPORTER_OTLP_ENDPOINT unset');
  const url = tracesUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const protocol =
    config.OTEL_EXPORTER_OTLP_PROTOCOL === 'http/json' ? 'http/json' : 'http/protobuf';
  const options = { url, headers: config.OTEL_EXPORTER_OTLP_HEADERS };
  // Only the exporter of the chosen protocol is loaded.
  const exporter =
    protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options)
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // The global tracer provider, AsyncLocalStorage as the context manager (a span started in a
  // request is the parent of those its awaits start) and W3C trace context as the propagator.
  provider.register();
  return {
    url,
    protocol,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
