// Prints the suite's closing line `N passed, N failed, N skipped` from vitest's JSON report
// (vitest.config.ts writes it to .test-results/results.json). CI reads that line.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.test-results/results.json';
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that failed to load counts as a failure even though it ran no test.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  ).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`);
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`);
  console.log('0 passed, 1 failed');
}
