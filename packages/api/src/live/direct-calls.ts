import type { AnyTRPCProcedure } from '@trpc/server';
import { TRPCError } from '@trpc/server';
import { getParseFn, getTRPCErrorFromUnknown } from '@trpc/server/unstable-core-do-not-import';
import type { Context } from '../context.ts';
import { appRouter } from '../root.ts';
import { authorize, observeCall } from '../trpc.ts';

// The WebSocket's direct lane for the mutations a device makes all the time
// (apps/server/src/ws-events.ts): the same call as tRPC's, without tRPC's generic machinery
// around it (per call, tRPC's ws adapter makes an abort signal and a disposable scope, and its
// middleware chain copies the call's options and context at every step). The steps are the
// procedure's own, in its order: `observe` (timing, metrics, tracing, DomainError to tRPC
// error), `requireUser` (authorize), the procedure's input parser, its resolver, its output
// parser.

/** The mutations taken on the lane: a device's sends, its delivery and read acks, typing. */
const HOT_PATHS = [
  'messages.send',
  'conversations.markDelivered',
  'conversations.markRead',
  'typing.set',
] as const;

/** The middlewares a procedure must have, by name and in order, to run on the lane. */
const LANE = [
  'observe',
  'requireUser',
  'inputValidatorMiddleware',
  'outputValidatorMiddleware',
  'resolveMiddleware',
];

type Def = {
  type: string;
  inputs: unknown[];
  output?: unknown;
  middlewares: { name: string }[];
  meta?: unknown;
  resolver?: (opts: Record<string, unknown>) => Promise<unknown>;
};

type Result = { ok: true; data: unknown } | { ok: false; error: TRPCError };

/** One procedure's steps on the lane, with its result as tRPC's middleware chain gives it. */
type DirectCall = (ctx: Context, rawInput: unknown) => Promise<Result>;

function laneFor(path: string, procedure: AnyTRPCProcedure | undefined): DirectCall | null {
  const def = procedure?._def as Def | undefined;
  // A middleware added to the procedure (or to `authedProcedure`) takes it off the lane: its
  // calls then go through tRPC, as before.
  const exact =
    def !== undefined &&
    def.type === 'mutation' &&
    def.inputs.length === 1 &&
    def.output !== undefined &&
    typeof def.resolver === 'function' &&
    def.middlewares.length === LANE.length &&
    def.middlewares.every((m, i) => m.name === LANE[i]);
  if (!exact) return null;
  const resolver = def.resolver!;
  const parseInput = getParseFn(def.inputs[0] as Parameters<typeof getParseFn>[0]);
  const parseOutput = getParseFn(def.output as Parameters<typeof getParseFn>[0]);
  const getRawInput = async () => undefined;
  return async (ctx, rawInput) => {
    try {
      const { userId, tokenExpiresAt } = authorize(ctx);
      let input: unknown;
      try {
        input = await parseInput(rawInput);
      } catch (cause) {
        throw new TRPCError({ code: 'BAD_REQUEST', cause });
      }
      // What the resolver gets from tRPC (the options of the last middleware's call).
      const data = await resolver({
        ctx: { ...ctx, userId, tokenExpiresAt },
        input,
        path,
        type: 'mutation',
        signal: undefined,
        meta: def.meta,
        getRawInput,
      });
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
  };
}

// tRPC keeps the procedures by their dotted path too (what `callProcedure` looks up).
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  AnyTRPCProcedure | undefined
>;
const lanes = new Map<string, DirectCall>();
for (const path of HOT_PATHS) {
  const lane = laneFor(path, procedures[path]);
  if (lane) lanes.set(path, lane);
}

/** The mutation paths the lane takes (those whose procedure has exactly the lane's steps). */
export const directCallPaths: readonly string[] = [...lanes.keys()];

/**
 * Calls the mutation at `path` (one of `directCallPaths`) as tRPC would for this connection's
 * context: resolves to the procedure's (validated) output, or rejects with the error tRPC
 * would answer (to be formatted with the router's error formatter by the caller).
 */
export async function callDirect(ctx: Context, path: string, rawInput: unknown): Promise<unknown> {
  const lane = lanes.get(path);
  if (!lane) throw new TRPCError({ code: 'NOT_FOUND', message: `No direct lane for ${path}` });
  const result = await observeCall(ctx, path, 'mutation', () => lane(ctx, rawInput));
  if (!result.ok) throw result.error;
  return result.data;
}
