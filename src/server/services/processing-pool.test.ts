// The processing pool on real worker threads (the worker bundled from the sources): results in
// order across workers, a pipeline exception drops only its item, and JavaScript events are
// symbolicated on the workers exactly as on the calling thread (artifact lookups answered here).
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { MemoryArtifactSource } from '../../processing/sourcemaps/index.js';
import { buildBundle, captureSdkEvent, loadBundle, uploadedFiles } from '../../../tests/helpers/js-bundle.js';
import { bundleProcessingWorker, type BundledWorker } from '../../../tests/helpers/processing-worker.js';
import type { ErrorWork, ErrorWorkResult } from './error-work.js';
import { ProcessingPool } from './processing-pool.js';

const SOURCE = `export function pay(order) {
  const total = order.lines.reduce((sum, line) => sum + line.price, 0);
  if (total <= 0) throw new RangeError('nothing to pay');
  return total;
}
`;

let worker: BundledWorker;
let pool: ProcessingPool;
const logger = pino({ level: 'silent' });
const artifacts = new MemoryArtifactSource();
let jsEvent: Record<string, unknown>;

beforeAll(async () => {
  worker = await bundleProcessingWorker();
  const bundle = await buildBundle({ entry: 'src/pay.js', sources: { 'src/pay.js': SOURCE } });
  const app = loadBundle<{ pay(order: unknown): number }>(bundle);
  jsEvent = await captureSdkEvent(() => app.pay({ lines: [] }), { release: 'shop@1' });
  artifacts.add({ projectId: 1, files: uploadedFiles(bundle) });
  pool = new ProcessingPool(logger, 2, { artifacts, workerScript: worker.script });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  worker?.remove();
});

const eventId = (i: number): string => i.toString(16).padStart(32, '0');

/** The SDK's event under a new id; `receivedAt: NaN` makes the pipeline throw (a bug). */
function work(i: number, options: { bug?: boolean } = {}): ErrorWork {
  return {
    payload: Buffer.from(JSON.stringify({ ...jsEvent, event_id: eventId(i) })),
    ctx: { projectId: 1, receivedAt: options.bug === true ? NaN : 1_700_000_000 },
    config: '{}',
  };
}

const okResult = (result: ErrorWorkResult | undefined): Extract<ErrorWorkResult, { kind: 'ok' }> => {
  if (result?.kind !== 'ok') throw new Error(`not processed: ${JSON.stringify(result)}`);
  return result;
};

it('answers in order across the workers; an exception drops only its item as internal', async () => {
  expect(pool.size).toBe(2);
  const error = vi.spyOn(logger, 'error');
  const works = Array.from({ length: 9 }, (_, i) => work(i + 1, { bug: i === 4 }));
  const results = await pool.run(works);
  expect(results).toHaveLength(9);
  expect(results[4]).toEqual({ kind: 'drop', outcome: 'invalid', reason: 'internal' });
  expect(error).toHaveBeenCalledWith(
    expect.objectContaining({ err: expect.any(String) }),
    'error pipeline threw; item dropped',
  );
  error.mockRestore();
  for (const [i, result] of results.entries()) {
    if (i === 4) continue;
    expect(okResult(result).eventId).toBe(eventId(i + 1));
    // Grouped on the resolved frames: the culprit names the original function.
    expect(okResult(result).issue.culprit).toContain('pay');
  }
});

it('stores the same row as the pipeline on the calling thread', async () => {
  const inline = new ProcessingPool(logger, 0, { artifacts });
  const [onWorker] = await pool.run([work(42)]);
  const [onCaller] = await inline.run([work(42)]);
  expect(okResult(onWorker).line).toBe(okResult(onCaller).line);
  expect(okResult(onWorker).hashes).toEqual(okResult(onCaller).hashes);
  expect(okResult(onWorker).line).toContain('"symbolicated":true');
});
