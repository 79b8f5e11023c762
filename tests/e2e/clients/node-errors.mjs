// A small Node app instrumented with the official @sentry/node SDK, run by the e2e tests
// as a child process: `node node-errors.mjs <scenario>` with SENTRY_DSN set. Each
// scenario reports errors the way a user's app would, then flushes and exits.
import * as Sentry from '@sentry/node';

const scenario = process.argv[2];
Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: process.env.SENTRY_RELEASE ?? 'e2e-app@1.0.0',
  environment: 'e2e',
  tracesSampleRate: 0,
  integrations: [Sentry.featureFlagsIntegration()],
});
Sentry.setTag('scenario', scenario);
Sentry.setUser({ id: 'user-42', email: 'jane@example.com' });

function chargeCard(amount) {
  if (amount > 100) {
    throw new Error('payment declined', { cause: new TypeError('card.limit is undefined') });
  }
}

function parseConfig(text) {
  return JSON.parse(text);
}

function failSameWay() {
  try {
    return null.prop;
  } catch (err) {
    Sentry.captureException(err);
  }
}

switch (scenario) {
  case 'cause-chain':
    try {
      chargeCard(500);
    } catch (err) {
      Sentry.captureException(err);
    }
    break;
  case 'message':
    Sentry.captureMessage('Cache miss ratio too high for shard 7', 'warning');
    break;
  case 'twice':
    failSameWay();
    failSameWay();
    break;
  case 'different':
    try {
      parseConfig('{not json');
    } catch (err) {
      Sentry.captureException(err);
    }
    try {
      chargeCard(1000);
    } catch (err) {
      Sentry.captureException(err);
    }
    break;
  case 'flags': {
    const flags = Sentry.getClient()?.getIntegrationByName('FeatureFlags');
    flags.addFeatureFlag('checkout-v2', true);
    flags.addFeatureFlag('dark-mode', false);
    Sentry.captureException(new RangeError('flagged failure'));
    break;
  }
  case 'unhandled':
    // An unhandled rejection: the SDK's onUnhandledRejection integration reports it
    // (mechanism handled: false) and, in its default mode, lets the process continue.
    Promise.reject(new Error('unhandled rejection in worker'));
    await new Promise((r) => setTimeout(r, 200));
    break;
  case 'burst':
    // 40 errors from one call site: one issue, 40 events.
    for (let i = 0; i < 40; i++) Sentry.captureException(new Error(`burst error ${i}`));
    break;
  default:
    console.error(`unknown scenario ${scenario}`);
    process.exit(2);
}

await Sentry.flush(10_000);
