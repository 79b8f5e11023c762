# A small Python app instrumented with Debian's python3-sentry-sdk, run by the e2e tests:
# `/usr/bin/python3 python_errors.py` with SENTRY_DSN set. It reports one exception whose
# frames carry local variables (one of them a password, which Vigil must scrub).
import os
import sentry_sdk

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="py-app@2.0.0",
    environment="e2e",
    traces_sample_rate=0,
)
sentry_sdk.set_tag("scenario", "python")


def load_user(user_id, password):
    users = {"alice": 1}
    return users[user_id]


def handle_request():
    request_id = "req-123"
    return load_user("bob", password="hunter2")


try:
    handle_request()
except Exception as exc:
    sentry_sdk.capture_exception(exc)

sentry_sdk.flush(10)
