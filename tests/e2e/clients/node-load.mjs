// Load from the official @sentry/node SDK for the fault tests: `node node-load.mjs` with SENTRY_DSN,
// LOAD_RUN (a tag naming this run), LOAD_EVENTS (default 200) and LOAD_INTERVAL_MS (default 10).
// Every iteration captures one error and writes one log (`load log <run> <i>`), as an app would.
// The SDK's own Node transport sends them; a thin wrapper around it counts what the server
// answered, so the test knows exactly which events and logs got a 200. Prints `sent <n>` every
// 50 iterations (so the test can act mid-load) and, last, one JSON line:
// {"accepted":{"events":[event ids],"logs":[bodies]},"statuses":{"200":n,"503":m,...}}.
import * as Sentry from '@sentry/node';

const run = process.env.LOAD_RUN ?? 'load';
const total = Number(process.env.LOAD_EVENTS ?? 200);
const intervalMs = Number(process.env.LOAD_INTERVAL_MS ?? 10);
const accepted = { events: [], logs: [] };
const statuses = {};

/** The SDK's Node transport, counting each envelope's answer by the event ids and log bodies it carried. */
function countingTransport(options) {
  const inner = Sentry.makeNodeTransport(options);
  return {
    send: async (envelope) => {
      let response;
      try {
        response = await inner.send(envelope);
      } catch (err) {
        statuses.error = (statuses.error ?? 0) + 1;
        throw err;
      }
      const status = response?.statusCode ?? 'none';
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 200) {
        const [headers, items] = envelope;
        for (const [itemHeaders, payload] of items) {
          if (itemHeaders.type === 'event') accepted.events.push(headers.event_id);
          if (itemHeaders.type === 'log') for (const log of payload.items) accepted.logs.push(log.body);
        }
      }
      return response;
    },
    flush: (timeout) => inner.flush(timeout),
  };
}

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'load@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
  enableLogs: true,
  sendClientReports: false,
  transport: countingTransport,
});
Sentry.setTag('run', run);

function handleOrder(i) {
  try {
    throw new Error(`order ${i} failed`);
  } catch (err) {
    Sentry.captureException(err);
  }
  Sentry.logger.info(`load log ${run} ${i}`);
}

for (let i = 0; i < total; i++) {
  handleOrder(i);
  if ((i + 1) % 50 === 0) console.log(`sent ${i + 1}`);
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
await Sentry.flush(30_000);
console.log(JSON.stringify({ accepted, statuses }));
