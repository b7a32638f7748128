/**
 * The cost of the tracing calls in the request paths while tracing is off (no SDK registered:
 * the @opentelemetry/api no-ops). `pnpm exec tsx scripts/trace-overhead.ts` (docs/operations.md,
 * "Tracing"). Each measurement runs the exact calls of one path, best of 5 rounds.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { currentTracer } from '@parley/api';

const N = 2_000_000;
const headers = new Headers({
  authorization: 'Bearer x',
  'content-type': 'application/json',
  'x-request-id': 'abc',
});
const getter: TextMapGetter<Headers> = {
  get: (h, k) => h.get(k) ?? undefined,
  keys: (h) => [...h.keys()],
};
const SERVER = { kind: SpanKind.SERVER };
const INTERNAL = { kind: SpanKind.INTERNAL };
let sink = 0;

function measure(name: string, fn: () => void): void {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / N);
  }
  console.log(`${name.padEnd(44)} ${best.toFixed(1)} ns per call`);
}

measure('empty call (loop floor)', () => {
  sink++;
});
// access-log.ts, once per HTTP request.
measure('HTTP request: extract + startSpan + isRecording', () => {
  const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
  const span = currentTracer().startSpan('GET', SERVER, parent);
  if (span.isRecording()) sink++;
});
// trpc.ts, once per procedure call (HTTP or WebSocket).
measure('procedure call: startSpan + isRecording', () => {
  const span = currentTracer().startSpan('users.me', trace.getActiveSpan() ? INTERNAL : SERVER);
  if (span.isRecording()) sink++;
});
// What the paths skip when the span does not record (measured for comparison).
measure('(skipped when off) context.with + setSpan', () => {
  const span = currentTracer().startSpan('x');
  context.with(trace.setSpan(context.active(), span), () => {
    sink++;
  });
});
if (sink < 0) console.log(sink);
