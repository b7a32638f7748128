import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as OTLP/JSON carries it (ids are hex strings), with its attributes flattened. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  status?: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  /** The resource's `service.name`. */
  service: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

function flatten(attributes: OtlpAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.boolValue ??
      value.doubleValue ??
      '';
  }
  return out;
}

/**
 * A fake OpenTelemetry collector: OTLP/HTTP on 127.0.0.1, port 0. It keeps every request's
 * path, content type and raw body, and decodes the OTLP/JSON ones (http/json) into spans.
 */
export async function startOtlpReceiver() {
  const requests: {
    path: string;
    contentType: string;
    headers: Record<string, unknown>;
    body: Buffer;
  }[] = [];
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      requests.push({ path: req.url ?? '', contentType, headers: req.headers, body });
      if (contentType.startsWith('application/json')) {
        const payload = JSON.parse(body.toString('utf8'));
        for (const rs of payload.resourceSpans ?? []) {
          const service = String(flatten(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) {
              spans.push({ ...span, attributes: flatten(span.attributes), service });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        // An empty ExportTraceServiceResponse is an empty protobuf message.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** The value for OTEL_EXPORTER_OTLP_ENDPOINT (spans arrive at /v1/traces). */
    url: `http://127.0.0.1:${port}`,
    requests,
    spans,
    /** Every byte that reached the collector, for "this never appears" assertions. */
    everything: () => requests.map((r) => r.body.toString('latin1')).join('\n'),
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
