// The real sentry-cli binary (@sentry/cli from node_modules) pointed at a test server, as a user
// runs it: SENTRY_URL, an auth token, organization `vigil` and project `default` from the
// environment, a throwaway HOME, no update check and no .env file.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The sentry-cli binary of node_modules.
const SENTRY_CLI = path.resolve('node_modules/.bin/sentry-cli');

/** Where sentry-cli runs and whom it talks to. */
export interface SentryCliTarget {
  /** The server's base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** A bearer token (the bootstrap admin token in tests). */
  token: string;
  /** Working directory; `<dir>/home` is its HOME. */
  dir: string;
}

/**
 * Runs sentry-cli with `args` against `target` (extra `env` overrides the defaults); resolves with
 * stdout followed by stderr, rejects when it exits non-zero or runs longer than a minute.
 */
export async function runSentryCli(
  target: SentryCliTarget,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout, stderr } = await run(SENTRY_CLI, args, {
    cwd: target.dir,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: path.join(target.dir, 'home'),
      SENTRY_URL: target.url,
      SENTRY_AUTH_TOKEN: target.token,
      SENTRY_ORG: 'vigil',
      SENTRY_PROJECT: 'default',
      SENTRY_DISABLE_UPDATE_CHECK: 'true',
      SENTRY_LOAD_DOTENV: '0',
      ...env,
    },
  });
  return stdout + stderr;
}
