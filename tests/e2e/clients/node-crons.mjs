// A small Node app instrumented with the official @sentry/node SDK, run by the e2e tests as a
// child process: `node node-crons.mjs <scenario>` with SENTRY_DSN set. Each scenario checks in
// the way a user's cron job would, flushes, prints what the test needs as JSON and exits.
import * as Sentry from '@sentry/node';

const scenario = process.argv[2];
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'e2e-crons@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

switch (scenario) {
  case 'capture': {
    // A job that upserts its monitor on start and reports its duration at the end.
    const checkInId = Sentry.captureCheckIn(
      { monitorSlug: 'e2e-capture', status: 'in_progress' },
      {
        schedule: { type: 'crontab', value: '*/5 * * * *' },
        checkinMargin: 2,
        maxRuntime: 10,
        timezone: 'Europe/Vienna',
        failureIssueThreshold: 2,
        recoveryThreshold: 1,
      },
    );
    // The monitor must exist before a check-in without config arrives (as with Sentry).
    await Sentry.flush(5000);
    Sentry.captureCheckIn({ checkInId, monitorSlug: 'e2e-capture', status: 'ok', duration: 1.25 });
    console.log(JSON.stringify({ checkInId }));
    break;
  }
  case 'with-monitor': {
    await Sentry.withMonitor(
      'e2e-with-monitor',
      async () => {
        await sleep(150);
      },
      { schedule: { type: 'interval', value: 1, unit: 'hour' }, maxRuntime: 5 },
    );
    await Sentry.flush(5000);
    try {
      await Sentry.withMonitor('e2e-with-monitor', async () => {
        await sleep(20);
        throw new Error('backup target unreachable');
      });
    } catch {
      // The job failed; the monitor records an `error` check-in.
    }
    console.log(JSON.stringify({ done: true }));
    break;
  }
  default:
    console.error(`unknown scenario ${scenario}`);
    process.exit(2);
}
await Sentry.flush(5000);
