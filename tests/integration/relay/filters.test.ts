// Port of Relay's tests/integration/test_filters.py (getsentry/relay): every test needs the
// inbound filters (src/processing/filters) wired into processing, which is under way; until then
// the assertions are listed here. See PORTED.md.
import { it } from 'vitest';

it.todo(
  'test_filters_are_applied: errorMessages "Panic: originalCreateNotification" drops the event, "Warning" keeps it',
);
it.todo(
  'test_error_message_filters_are_applied: pattern "*yes*" drops "filter:yes" and the formatted "filter:%s" ["yes"]',
);
it.todo(
  'test_browser_extension_filters_are_applied: a chrome-extension:// frame drops the event when enabled',
);
it.todo('test_web_crawlers_filter_are_applied: User-Agent BingBot drops the event when enabled');
it.todo(
  'test_ignore_transactions_filters_are_applied: "health*" drops transaction "health-check-1 " when enabled',
);
it.todo(
  'test_client_ip_filters_are_applied: X-Forwarded-For 1.2.3.4 in 1.2.3.0/24 records filtered (ip-address)',
);
