/**
 * Entry point of a processing worker thread: receives batches of ErrorWork from the
 * ProcessingPool and answers with their results in the same order. Runs the pure pipeline,
 * JavaScript symbolication included (source maps parsed and frames mapped here, in this
 * thread's artifact cache); the artifact lookups go to the main thread, which owns the stores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  ArtifactLookupClient,
  JsSymbolicator,
  type SymbolicationLogger,
} from '../../processing/sourcemaps/index.js';
import { runErrorWorks } from './error-work.js';
import type {
  FromWorkerMessage,
  ToWorkerMessage,
  WorkerLogMessage,
  WorkerSetup,
} from './processing-messages.js';

const port = parentPort;
if (port !== null) {
  const post = (message: FromWorkerMessage): void => port.postMessage(message);
  const stack = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
  const log = (
    level: WorkerLogMessage['level'],
    fields: { err: unknown; lookup?: string },
    msg: string,
  ): void => post({ type: 'log', level, msg, fields: { ...fields, err: stack(fields.err) } });
  const logger: SymbolicationLogger = {
    warn: (fields, msg) => log('warn', fields, msg),
    error: (fields, msg) => log('error', fields, msg),
  };
  const setup = workerData as WorkerSetup;
  const lookups = new ArtifactLookupClient(post);
  const symbolicator = setup.symbolicate
    ? new JsSymbolicator({ cacheBytes: setup.artifactCacheBytes, logger })
    : undefined;

  port.on('message', (message: ToWorkerMessage) => {
    if (message.type === 'artifact-answer') {
      lookups.receive(message);
      return;
    }
    const { id, run, works } = message;
    void runErrorWorks(works, {
      symbolication: symbolicator?.batch(lookups.source(run)),
      // A pipeline exception is a bug; the item is dropped as Relay's `internal` and reported.
      onBug: (err) => logger.error({ err }, 'error pipeline threw; item dropped'),
    }).then((results) => post({ type: 'results', id, results }));
  });
}
