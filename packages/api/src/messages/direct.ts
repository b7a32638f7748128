import { TRPCError } from '@trpc/server';
import { getParseFn, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { Context } from '../context.ts';
import { authorize, observeCall } from '../trpc.ts';
import { messagesRouter, send } from './router.ts';

// The WebSocket's direct lane for `messages.send` (apps/server/src/ws-events.ts): the same call
// as tRPC's, without tRPC's generic machinery around it (per call, tRPC's ws adapter makes an
// abort signal and a disposable scope, and its middleware chain copies the call's options and
// context at every step). The steps are the procedure's own, in its order: `observe` (timing,
// metrics, tracing, DomainError to tRPC error), `requireUser` (authorize), the procedure's input
// parser, its output parser, its resolver.

const PATH = 'messages.send';
const procedure = messagesRouter.send;
const def = procedure._def as typeof procedure._def & {
  inputs: unknown[];
  output?: unknown;
  middlewares: { name: string }[];
};

/** The middlewares of `messages.send` that this lane runs, by name and in order. */
const LANE = [
  'observe',
  'requireUser',
  'inputValidatorMiddleware',
  'outputValidatorMiddleware',
  'resolveMiddleware',
];

/**
 * Whether the lane runs exactly the procedure's steps. A middleware added to `messages.send`
 * (or to `authedProcedure`) turns the lane off: every send then goes through tRPC, as before.
 */
export const directSendAvailable =
  def.type === 'mutation' &&
  def.inputs.length === 1 &&
  def.output !== undefined &&
  def.middlewares.length === LANE.length &&
  def.middlewares.every((m, i) => m.name === LANE[i]);

const parseInput = getParseFn(def.inputs[0] as Parameters<typeof getParseFn>[0]);
const parseOutput = def.output
  ? getParseFn(def.output as Parameters<typeof getParseFn>[0])
  : (value: unknown) => value;

type Result = { ok: true; data: unknown } | { ok: false; error: TRPCError };

async function run(ctx: Context, rawInput: unknown): Promise<Result> {
  try {
    const { userId } = authorize(ctx);
    let input: Parameters<typeof send>[2];
    try {
      input = (await parseInput(rawInput)) as Parameters<typeof send>[2];
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
    const data = await send(ctx, userId, input);
    try {
      return { ok: true, data: await parseOutput(data) };
    } catch (cause) {
      throw new TRPCError({
        message: 'Output validation failed',
        code: 'INTERNAL_SERVER_ERROR',
        cause,
      });
    }
  } catch (cause) {
    // As tRPC's middleware chain: whatever a step throws becomes the call's error result.
    return { ok: false, error: getTRPCErrorFromUnknown(cause) };
  }
}

/**
 * Calls `messages.send` as tRPC would for this connection's context: resolves to the
 * procedure's (validated) output, or rejects with the error tRPC would answer (to be formatted
 * with the router's error formatter by the caller).
 */
export async function sendDirect(ctx: Context, rawInput: unknown): Promise<unknown> {
  const result = await observeCall(ctx, PATH, 'mutation', () => run(ctx, rawInput));
  if (!result.ok) throw result.error;
  return result.data;
}
