# A small Python app instrumented with Debian's python3-sentry-sdk, run by the e2e traces test:
# `/usr/bin/python3 python_traces.py` with SENTRY_DSN set. It sends one transaction with nested
# child spans (one with data) and captures an exception inside the innermost span, then prints
# the trace and span ids as JSON.
import json
import os
import time

import sentry_sdk

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="py-traces@1.0.0",
    environment="e2e",
    traces_sample_rate=1.0,
)

ids = {}
with sentry_sdk.start_transaction(op="task", name="nightly report") as transaction:
    ids["traceId"] = transaction.trace_id
    ids["root"] = transaction.span_id
    with transaction.start_child(op="db", description="SELECT reports") as query:
        ids["query"] = query.span_id
        query.set_data("db.rows", 7)
        time.sleep(0.05)
        with query.start_child(op="http.client", description="GET /upstream") as upstream:
            ids["upstream"] = upstream.span_id
            time.sleep(0.02)
            try:
                {}["missing"]
            except KeyError as exc:
                sentry_sdk.capture_exception(exc)

sentry_sdk.flush()
print(json.dumps(ids))
