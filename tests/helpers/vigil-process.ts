/**
 * Starts the BUILT server (`node dist/cli/main.js start`) as a child process on a free
 * loopback port with a temporary data dir, as a user would run it, and stops it with
 * SIGTERM. Used by the end-to-end tests; `npm test` builds dist/ first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(repoRoot, 'dist/cli/main.js');
/** Folder of the client scripts (real SDKs and exporters) the end-to-end tests run. */
export const clientsDir = path.join(repoRoot, 'tests/e2e/clients');

/** `child_process.execFile` as a promise of `{stdout, stderr}`; rejects on a non-zero exit. */
export const run = promisify(execFile);

/** A running server started by `startVigil`. */
export interface VigilProcess {
  url: string;
  dsn: string;
  token: string;
  dataDir: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** stop() and remove the data dir. */
  dispose(): Promise<void>;
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Options for startVigil: reuse a data dir (restart tests) or pass extra flags. */
export interface StartOptions {
  dataDir?: string;
  port?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Starts the server and waits until it printed its DSN (timeout 60 s). */
export async function startVigil(options: StartOptions = {}): Promise<VigilProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'start',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil did not start within 60 s:\n${out}`)), 60_000);
    const check = (): void => {
      if (/API token: .+\n/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vigil exited with ${code} before starting:\n${out}`));
    });
  });
  const dsn = /DSN:\s+(\S+)/.exec(out)![1]!;
  const token = /API token:\s+(\S+)/.exec(out)![1]!;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    dsn,
    token,
    dataDir,
    port,
    child,
    output: () => out,
    stop,
    dispose: async () => {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** GETs a web-API path with the server's token and returns status, headers and JSON. */
export async function api(
  vigil: Pick<VigilProcess, 'url' | 'token'>,
  pathAndQuery: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${vigil.url}${pathAndQuery}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${vigil.token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Polls `fn` every 200 ms until it returns a truthy value (timeout 20 s). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Runs a client script (`command args`, e.g. `node tests/e2e/clients/x.mjs`) with `env` added
 * to this process's environment and resolves with the JSON its last stdout line prints (the
 * clients report what they sent that way). Rejects when the client exits non-zero, its last line
 * is not JSON, or it runs longer than `timeoutMs` (default 30 s).
 */
export async function runClient<T = Record<string, unknown>>(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<T> {
  const { stdout } = await run(command, args, { env: { ...process.env, ...env }, timeout: timeoutMs });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/**
 * How {@link vigilCli} reaches the server:
 * - `data-dir`: `--url` and `--data-dir`, with `$VIGIL_TOKEN` cleared so the token is the admin
 *   token the server wrote to its data dir;
 * - `token`: `--url` and `--token` (the server's admin token as a flag);
 * - `local`: only `--data-dir` (commands that open the stores themselves, such as `projects`),
 *   `$VIGIL_TOKEN` cleared.
 */
export type CliAccess = 'data-dir' | 'token' | 'local';

/**
 * Runs the built `vigil` command (`node dist/cli/main.js ...args`) against `vigil` and resolves
 * with its stdout. Rejects when it exits non-zero (the error's message carries stderr) or runs
 * longer than 30 s.
 */
export async function vigilCli(
  vigil: Pick<VigilProcess, 'url' | 'token' | 'dataDir'>,
  args: readonly string[],
  access: CliAccess = 'data-dir',
): Promise<string> {
  const flags =
    access === 'token'
      ? ['--url', vigil.url, '--token', vigil.token]
      : access === 'data-dir'
        ? ['--url', vigil.url, '--data-dir', vigil.dataDir]
        : ['--data-dir', vigil.dataDir];
  const env = access === 'token' ? process.env : { ...process.env, VIGIL_TOKEN: '' };
  const { stdout } = await run(process.execPath, [cliPath, ...args, ...flags], { env, timeout: 30_000 });
  return stdout;
}
