#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (the real clients it tests against):
# python3-sentry-sdk (Debian's Python SDK, run with /usr/bin/python3) and chromium (the browser
# the @sentry/browser tests drive through playwright-core) and openssl (the throwaway TLS
# certificate of the Reporting API test: Chromium only uploads reports to https endpoints).
# Idempotent and quiet when everything is present; needs root for apt-get.
set -euo pipefail
missing=()
/usr/bin/python3 -c 'import sentry_sdk' >/dev/null 2>&1 || missing+=(python3-sentry-sdk)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages for the test suite: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
