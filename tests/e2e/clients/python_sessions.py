# A small Python app with Debian's python3-sentry-sdk (1.9.x) reporting release health,
# run by the e2e tests: `/usr/bin/python3 python_sessions.py <scenario> [user id]` with
# SENTRY_DSN set. Sessions are started and ended through the SDK's Hub, as an app or a
# framework integration does:
# - healthy: one application session that ends normally (`exited`);
# - crashed: an application session ended by an uncaught exception: the excepthook
#   integration reports it unhandled, which marks the session `crashed`, and the session
#   is ended at interpreter exit, before the SDK's own atexit flush;
# - requests: four request-mode sessions (one with a handled error), which the SDK sends
#   as one pre-aggregated `sessions` item.
import atexit
import os
import sys

import sentry_sdk
from sentry_sdk import Hub

scenario = sys.argv[1]
user_id = sys.argv[2] if len(sys.argv) > 2 else None

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release=os.environ.get("SENTRY_RELEASE", "py-sessions@2.0.0"),
    environment="e2e",
    traces_sample_rate=0,
)
hub = Hub.current

if scenario == "healthy":
    hub.start_session()
    if user_id:
        sentry_sdk.set_user({"id": user_id})
    hub.end_session()
    sentry_sdk.flush(10)
elif scenario == "crashed":
    hub.start_session()
    if user_id:
        sentry_sdk.set_user({"id": user_id})
    # atexit runs handlers last-registered first: this one runs before the SDK's flush.
    atexit.register(hub.end_session)
    raise RuntimeError("uncaught crash")
elif scenario == "requests":
    for i in range(4):
        hub.start_session(session_mode="request")
        if i == 3:
            try:
                {}["missing"]
            except KeyError:
                sentry_sdk.capture_exception()
        hub.end_session()
    sentry_sdk.flush(10)
else:
    sys.exit("unknown scenario " + scenario)
