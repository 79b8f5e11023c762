// An in-process Vigil for integration tests: embedded stores in a fresh data dir, processing on
// the main thread (`workers = 0`), listening on a free loopback port.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVigil, type Vigil, type VigilOptions } from '../../src/server/app.js';
import type { Logger } from 'pino';
import { loadConfig, type VigilConfig } from '../../src/server/config.js';
import { freePort } from './vigil-process.js';

/** A started test server and the default project's DSN parts. */
export interface TestVigil {
  vigil: Vigil;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The bootstrap project's id and public DSN key. */
  projectId: number;
  publicKey: string;
  /** The data dir (removed by `close`). */
  dataDir: string;
  /** Stops the server and removes its data dir. */
  close(): Promise<void>;
}

/** What else {@link startTestVigil} may set up. */
export interface StartTestVigilOptions {
  /** A config file's YAML text, written to `<dataDir>/vigil.yaml` and loaded (`--config`). */
  configYaml?: string;
  /** The server's logger (default: pino at the config's level). */
  logger?: Logger;
  /** Passed to `createVigil`. */
  vigil?: VigilOptions;
}

/**
 * Starts Vigil in-process with a data dir named after `name`; `configure` may change the loaded
 * config first (log level `warn` unless it says otherwise). Close it in `afterAll`; a failed
 * start leaves its data dir behind (tests' temp dirs).
 */
export async function startTestVigil(
  name: string,
  configure: (config: VigilConfig) => void = () => undefined,
  options: StartTestVigilOptions = {},
): Promise<TestVigil> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `vigil-${name}-`));
  let file: string | undefined;
  if (options.configYaml !== undefined) {
    file = path.join(dataDir, 'vigil.yaml');
    writeFileSync(file, options.configYaml);
  }
  const port = await freePort();
  const config = loadConfig({ ...(file ? { config: file } : {}), port, dataDir, logLevel: 'warn' }, {});
  config.processing.workers = 0;
  configure(config);
  const vigil = await createVigil(config, options.logger, options.vigil);
  await vigil.app.listen({ host: '127.0.0.1', port });
  const dsn = new URL(vigil.dsn);
  return {
    vigil,
    url: `http://127.0.0.1:${port}`,
    projectId: Number(dsn.pathname.slice(1)),
    publicKey: dsn.username,
    dataDir,
    close: async () => {
      await vigil.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
