# A small Python app with Debian's python3-sentry-sdk (1.9.x) collecting user feedback, run by
# the e2e tests: `/usr/bin/python3 python_feedback.py` with SENTRY_DSN set. SDK 1.9 has no
# feedback API, so the app sends a legacy `user_report` envelope item through the SDK's own
# transport (what `capture_user_feedback` of later SDKs does) about an error it reported first,
# and prints the error's event id as JSON.
import json
import os

import sentry_sdk
from sentry_sdk import Hub
from sentry_sdk.envelope import Envelope, Item, PayloadRef

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="e2e-feedback-py@1.0.0",
    environment="e2e",
    traces_sample_rate=0,
)
sentry_sdk.set_user({"id": "py-user", "username": "pyuser"})

try:
    {}["missing"]
except KeyError:
    event_id = sentry_sdk.capture_exception()
sentry_sdk.flush(10)

envelope = Envelope(headers={"event_id": event_id})
envelope.add_item(
    Item(
        payload=PayloadRef(
            json={
                "event_id": event_id,
                "name": "Py Thon",
                "email": "py@example.org",
                "comments": "The report page stays blank.\n",
            }
        ),
        type="user_report",
    )
)
Hub.current.client.transport.capture_envelope(envelope)
sentry_sdk.flush(10)
print(json.dumps({"errorId": event_id}))
