// A small Node app instrumented with the official @sentry/node SDK (11.11), run by the Discover
// integration tests as a child process: `node node-discover-plan.mjs '<plan JSON>'` with
// SENTRY_DSN and SENTRY_RELEASE set (the SDK reads the release from the environment). The plan
// says what to send:
//   {"errors": [{"message": "…", "user": "u1"}],
//    "transactions": [{"name": "GET /a", "ms": 200, "user": "u1"}]}
// Errors are captured exceptions of the given message, fingerprinted by it (they share one stack
// trace, which would otherwise make them one issue); transactions (`traceLifecycle: 'static'`,
// so transaction events) last exactly `ms` milliseconds: their start and end times are given to
// the SDK instead of sleeping. Prints the event ids of the errors, in plan order, as JSON.
import * as Sentry from '@sentry/node';

const plan = JSON.parse(process.argv[2] ?? '{}');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  environment: 'production',
  tracesSampleRate: 1,
  traceLifecycle: 'static',
});

const userOf = (id) => (id === undefined ? null : { id, email: `${id}@example.com` });

const errors = (plan.errors ?? []).map(({ message, user }) =>
  Sentry.withScope((scope) => {
    scope.setUser(userOf(user));
    scope.setFingerprint([message]);
    return Sentry.captureException(new Error(message));
  }),
);

const end = Date.now();
for (const { name, ms, user } of plan.transactions ?? []) {
  Sentry.startNewTrace(() =>
    Sentry.withScope((scope) => {
      scope.setUser(userOf(user));
      const span = Sentry.startInactiveSpan({
        name,
        op: 'http.server',
        forceTransaction: true,
        startTime: new Date(end - ms),
      });
      span.end(new Date(end));
    }),
  );
}

await Sentry.flush(10_000);
console.log(JSON.stringify({ errors }));
