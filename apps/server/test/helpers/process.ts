import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deferred } from '@parley/db/testing';

const serverDir = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess extends AsyncDisposable {
  child: ReturnType<typeof spawn>;
  exited: Promise<number | null>;
  /** Resolves with the URL once the process logs that it is listening. */
  listening: Promise<string>;
  stderr(): string;
}

/**
 * `src/main.ts` in a child process, exactly as `npm start` runs it, with extra env; or, with
 * `built`, the production build `dist/main.js` exactly as `pnpm start:prod` runs it.
 * `nodeArgs` go before the script (e.g. `--import` of a test's module hook).
 */
export function runMain(
  env: Record<string, string>,
  { built = false, nodeArgs = [] as string[] } = {},
): ServerProcess {
  const args = [...nodeArgs, ...(built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'])];
  const child = spawn(process.execPath, args, {
    cwd: serverDir,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // A test that times out never reaches its cleanup: never outlive the test worker.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const listening = deferred<string>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'parley listening' && entry.url) listening.resolve(entry.url);
    } catch {
      // not a log line
    }
  });
  exited.then(() => listening.reject(new Error(`server exited: ${stderr}`)));
  // Runs that are expected to fail never await `listening`.
  listening.promise.catch(() => {});
  return {
    child,
    exited,
    listening: listening.promise,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
