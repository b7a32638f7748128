import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApiDeps, sweepUnattachedFiles } from '@parley/api';
import type { AppLogger } from './logger.ts';

export interface SweepResult {
  /** Uploads never attached within the TTL, removed with their bytes. */
  files: number;
  /** Unfinished resumable uploads past their expiry. */
  uploads: number;
  /** Staging files left by a crash mid-upload. */
  staging: number;
}

export interface FileSweeper {
  sweep(): Promise<SweepResult>;
  stop(): Promise<void>;
}

export interface FileSweeperOptions {
  api: ApiDeps;
  logger: AppLogger;
  unattachedTtlMs: number;
  intervalMs: number;
  stagingDir: string;
  cleanUpUploads: () => Promise<number>;
}

// A multipart upload streams to staging for at most this long (slow clients included).
const STAGING_MAX_AGE_MS = 6 * 3600_000;

async function sweepStaging(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STAGING_MAX_AGE_MS) {
      await rm(path, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** The periodic clean-up of files and uploads; the timer never keeps the process alive. */
export function startFileSweeper(options: FileSweeperOptions): FileSweeper {
  let running: Promise<SweepResult> | undefined;
  const sweep = () => {
    running ??= (async () => {
      try {
        const result = {
          files: await sweepUnattachedFiles(options.api, options.unattachedTtlMs),
          uploads: await options.cleanUpUploads(),
          staging: await sweepStaging(options.stagingDir),
        };
        if (result.files + result.uploads + result.staging > 0) {
          options.logger.info(result, 'swept files');
        }
        return result;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error) => options.logger.error({ err: error }, 'file sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
