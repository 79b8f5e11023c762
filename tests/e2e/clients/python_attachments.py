# A small Python app with Debian's python3-sentry-sdk (1.9.x), run by the e2e tests:
# `/usr/bin/python3 python_attachments.py` with SENTRY_DSN set. It adds an attachment to the scope
# (`scope.add_attachment`) and captures an exception, so the SDK sends the event and the
# attachment in one envelope, then prints the event id and the attachment's bytes (base64) as JSON.
import base64
import json
import os

import sentry_sdk

sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], release="e2e-attachments-py@1.0.0", environment="e2e")

data = bytes((i * 13) % 256 for i in range(2048))
with sentry_sdk.configure_scope() as scope:
    scope.add_attachment(bytes=data, filename="dump.bin", content_type="application/x-custom")

try:
    1 / 0
except ZeroDivisionError:
    event_id = sentry_sdk.capture_exception()
sentry_sdk.flush(10)
print(json.dumps({"eventId": event_id, "data": base64.b64encode(data).decode()}))
