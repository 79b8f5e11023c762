# A small WSGI app with Debian's python3-sentry-sdk (1.9.x) and its experimental profiler, run by
# the e2e tests: `/usr/bin/python3 python_profile.py` with SENTRY_DSN set. SDK 1.9 profiles the
# transactions of its WSGI middleware (`_experiments={"profiles_sample_rate": 1.0}`), so the app
# serves one request in-process (no socket) that burns CPU for a while; the SDK sends the
# transaction with a `profile` item in one envelope. Prints the request's trace id as JSON.
import json
import os
import time
from wsgiref.util import setup_testing_defaults

import sentry_sdk
from sentry_sdk.integrations.wsgi import SentryWsgiMiddleware

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="e2e-profile-py@1.0.0",
    environment="e2e",
    traces_sample_rate=1.0,
    _experiments={"profiles_sample_rate": 1.0},
)

seen = {}


def fibonacci(n):
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


def app(environ, start_response):
    seen["trace_id"] = sentry_sdk.Hub.current.scope.span.trace_id
    deadline = time.time() + 0.6
    while time.time() < deadline:
        fibonacci(18)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


environ = {"PATH_INFO": "/checkout", "REQUEST_METHOD": "GET"}
setup_testing_defaults(environ)
body = b"".join(SentryWsgiMiddleware(app)(environ, lambda status, headers: None))
sentry_sdk.flush(10)
print(json.dumps({"traceId": seen["trace_id"], "body": body.decode()}))
