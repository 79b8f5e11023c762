// Real processing threads for tests that run from TypeScript sources: esbuild bundles the
// worker entry (src/server/services/processing-worker.ts) into one ES module, its packages left
// as imports. The file is written inside the repository (under the ignored .test-results/) so
// that those imports resolve from its node_modules; pass it as `processingWorkerScript`.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** A bundled worker script and how to remove it. */
export interface BundledWorker {
  script: string;
  remove(): void;
}

/** Bundles the processing worker (about a second); remove it after the tests. */
export async function bundleProcessingWorker(): Promise<BundledWorker> {
  const dir = path.resolve('.test-results');
  mkdirSync(dir, { recursive: true });
  const script = path.join(dir, `processing-worker-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [path.resolve('src/server/services/processing-worker.ts')],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
  return { script, remove: () => rmSync(script, { force: true }) };
}
