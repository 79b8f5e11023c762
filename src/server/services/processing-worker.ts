/**
 * Entry point of a processing worker thread: receives batches of ErrorWork from the
 * ProcessingPool and answers with their results in the same order. Runs the pure
 * pipeline only; it never touches a store.
 */
import { parentPort } from 'node:worker_threads';
import { runErrorWork, type ErrorWork, type ErrorWorkResult } from './error-work.js';

interface Request {
  id: number;
  works: ErrorWork[];
}

parentPort?.on('message', (request: Request) => {
  const results: ErrorWorkResult[] = [];
  for (const work of request.works) {
    try {
      results.push(runErrorWork(work));
    } catch (err) {
      // A pipeline exception is a bug; the item is dropped as Relay's `internal` and reported.
      results.push({ kind: 'drop', outcome: 'invalid', reason: 'internal' });
      parentPort?.postMessage({
        id: -1,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  }
  parentPort?.postMessage({ id: request.id, results });
});
