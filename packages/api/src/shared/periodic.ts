import type { ApiDeps } from '../deps.ts';

export interface PeriodicJob<T> {
  /** Runs the job now (or joins the run in progress). */
  run(): Promise<T>;
  /** Stops the timer, aborts a run in progress and waits for it. */
  stop(): Promise<void>;
}

/**
 * A background job every `intervalMs`, one run at a time (a run that is still going is joined,
 * not doubled); the timer never keeps the process alive and a failed run is logged as `failure`.
 */
export function startPeriodicJob<T>(
  deps: Pick<ApiDeps, 'logger'>,
  options: { intervalMs: number; failure: string },
  job: (signal: AbortSignal) => Promise<T>,
): PeriodicJob<T> {
  const controller = new AbortController();
  let running: Promise<T> | undefined;
  const run = () => {
    running ??= job(controller.signal).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    run().catch((error) => deps.logger.error({ err: error }, options.failure));
  }, options.intervalMs);
  timer.unref();
  return {
    run,
    async stop() {
      clearInterval(timer);
      controller.abort();
      await running?.catch(() => {});
    },
  };
}
