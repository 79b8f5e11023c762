// Port of Relay's tests/integration/test_security_report.py (getsentry/relay): browser security
// reports (CSP from Chrome and Firefox, Expect-CT, Expect-Staple, HPKP) posted to
// `/api/{id}/security/` become events of their type, CORS preflight and exposed headers, and the
// request's Origin kept on the event. Relay compares the forwarded report (or the normalized
// event) with JSON fixtures; here the fixture inputs are posted and the expected fields are
// compared with the event Vigil stored. Fields that only differ by Relay's deployment (grouping
// config, `version`, `key_id` 123, project 42) are left out or taken from this server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  outcomesDuring,
  relayFullProjectConfig,
  request,
  setProjectConfig,
  startRelayTestServer,
  storedEvents,
  type Json,
  type RelayTestServer,
} from './harness.js';

let server: RelayTestServer;

beforeAll(async () => {
  server = await startRelayTestServer('security');
  // Relay's test project has no inbound filters; Vigil's bootstrap project has Sentry's defaults
  // inbound filters, which drop most of the fixtures' reports (sent from old browsers).
  await setProjectConfig(server, relayFullProjectConfig());
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const RELEASE = '01d5c3165d9fbc5c8bdcf9550a1d6793a80fc02b';
const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.169 Safari/537.36';
const CHROME_CONTEXTS = {
  browser: { browser: 'Chrome 74.0.3729', name: 'Chrome', type: 'browser', version: '74.0.3729' },
  client_os: { os: 'Windows >=10', name: 'Windows', version: '>=10', type: 'os' },
};

/** Relay's `send_security_report`: the report as JSON with release and environment in the query. */
function sendSecurityReport(
  payload: unknown,
  options: { contentType?: string; origin?: string } = {},
): ReturnType<typeof request> {
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'user-agent': CHROME_UA,
  };
  if (options.origin !== undefined) headers.origin = options.origin;
  return request(
    server,
    `/api/${server.projectId}/security/?sentry_key=${server.publicKey}&sentry_release=${RELEASE}&sentry_environment=production`,
    { headers, body: typeof payload === 'string' ? payload : JSON.stringify(payload) },
  );
}

/** Posts `payload` and returns the one event it became. */
async function reportToEvent(payload: unknown, options: { contentType?: string; origin?: string } = {}) {
  const before = (await storedEvents(server)).length;
  const res = await sendSecurityReport(payload, options);
  expect(res.status).toBe(200);
  const events = await storedEvents(server);
  expect(events).toHaveLength(before + 1);
  return events.at(-1)!;
}

const CSP_INPUT = {
  'csp-report': {
    'document-uri': 'https://example.com/foo/bar',
    referrer: 'https://www.google.com/',
    'violated-directive': 'default-src self',
    'original-policy': 'default-src self; report-uri /csp-hotline.php',
    'blocked-uri': 'http://evilhackerscripts.com',
  },
};

it('test_security_report_with_processing (csp): stores the normalized CSP event', async () => {
  const event = await reportToEvent(CSP_INPUT, { contentType: 'application/json; charset=utf-8' });
  // csp.normalized.output.json, less grouping_config and version.
  expect(event).toMatchObject({
    level: 'error',
    type: 'csp',
    culprit: 'default-src self',
    logentry: { formatted: "Blocked 'default-src' from 'evilhackerscripts.com'" },
    logger: 'csp',
    platform: 'other',
    release: RELEASE,
    environment: 'production',
    user: { ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' },
    contexts: CHROME_CONTEXTS,
    request: {
      url: 'https://example.com/foo/bar',
      headers: [
        ['Referer', 'https://www.google.com/'],
        ['User-Agent', CHROME_UA],
      ],
    },
    project: server.projectId,
    csp: {
      effective_directive: 'default-src',
      blocked_uri: 'http://evilhackerscripts.com',
      document_uri: 'https://example.com/foo/bar',
      original_policy: 'default-src self; report-uri /csp-hotline.php',
      referrer: 'https://www.google.com/',
      violated_directive: 'default-src self',
    },
  });
  expect(event.key_id).toMatch(/^\d+$/);
  // Vigil stores the event with the tags Sentry derives on save (level, environment, release,
  // logger, url, user) after Relay's.
  expect((event.tags as string[][]).slice(0, 3)).toEqual([
    ['effective-directive', 'default-src'],
    ['blocked-uri', 'http://evilhackerscripts.com'],
    ['blocked-host', 'evilhackerscripts.com'],
  ]);
});

describe('test_security_report', () => {
  // Each case: the fixture input and the fields of its `.no_processing.output.json` (tags as a
  // subset: Relay's older fixtures predate the `blocked-host` tag).
  const cases: Array<[string, unknown, Json, string[][]]> = [
    [
      'csp_chrome',
      {
        'csp-report': {
          'document-uri': 'http://localhost:8000/',
          referrer: '',
          'violated-directive': 'style-src cdn.example.com',
          'effective-directive': 'style-src',
          'effective-directive_full': 'style-src',
          'original-policy':
            "default-src 'none'; style-src cdn.example.com; report-uri http://requestb.in/1im8m061",
          'blocked-uri': 'http://localhost:8000/lol.css',
          'status-code': 200,
        },
      },
      {
        type: 'csp',
        csp: {
          blocked_uri: 'http://localhost:8000/lol.css',
          document_uri: 'http://localhost:8000/',
          effective_directive: 'style-src',
          original_policy:
            "default-src 'none'; style-src cdn.example.com; report-uri http://requestb.in/1im8m061",
          referrer: '',
          status_code: 200,
          violated_directive: 'style-src cdn.example.com',
        },
        culprit: 'style-src cdn.example.com',
        environment: 'production',
        logentry: { formatted: "Blocked 'style' from 'localhost:8000'" },
        release: RELEASE,
        request: { url: 'http://localhost:8000/' },
      },
      [
        ['effective-directive', 'style-src'],
        ['blocked-uri', 'http://localhost:8000/lol.css'],
      ],
    ],
    [
      'csp_chrome_blocked_asset',
      {
        'csp-report': {
          'document-uri': 'http://notlocalhost:8000/',
          referrer: '',
          'violated-directive': 'style-src cdn.example.com',
          'effective-directive': 'style-src',
          'original-policy':
            "default-src 'none'; style-src cdn.example.com; report-uri http://requestb.in/1im8m061",
          'blocked-uri': 'http://notlocalhost:8000/lol.css',
          'status-code': 200,
        },
      },
      {
        type: 'csp',
        contexts: CHROME_CONTEXTS,
        csp: {
          blocked_uri: 'http://notlocalhost:8000/lol.css',
          document_uri: 'http://notlocalhost:8000/',
          effective_directive: 'style-src',
          original_policy:
            "default-src 'none'; style-src cdn.example.com; report-uri http://requestb.in/1im8m061",
          referrer: '',
          status_code: 200,
          violated_directive: 'style-src cdn.example.com',
        },
        culprit: 'style-src cdn.example.com',
        environment: 'production',
        level: 'error',
        logentry: { formatted: "Blocked 'style' from 'notlocalhost:8000'" },
        logger: 'csp',
        platform: 'other',
        release: RELEASE,
        request: { headers: [['User-Agent', CHROME_UA]], url: 'http://notlocalhost:8000/' },
        user: { ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' },
      },
      [
        ['effective-directive', 'style-src'],
        ['blocked-uri', 'http://notlocalhost:8000/lol.css'],
        ['blocked-host', 'notlocalhost'],
      ],
    ],
    [
      'csp_firefox_blocked_asset',
      {
        'csp-report': {
          'blocked-uri': 'http://notlocalhost:8000/lol.css',
          'document-uri': 'http://notlocalhost:8000/',
          'original-policy':
            "default-src 'none'; style-src http://cdn.example.com; report-uri http://requestb.in/1im8m061",
          referrer: '',
          'violated-directive': 'style-src http://cdn.example.com',
        },
      },
      {
        csp: {
          blocked_uri: 'http://notlocalhost:8000/lol.css',
          document_uri: 'http://notlocalhost:8000/',
          effective_directive: 'style-src',
          original_policy:
            "default-src 'none'; style-src http://cdn.example.com; report-uri http://requestb.in/1im8m061",
          referrer: '',
          violated_directive: 'style-src http://cdn.example.com',
        },
        culprit: 'style-src http://cdn.example.com',
        environment: 'production',
        logentry: { formatted: "Blocked 'style' from 'notlocalhost:8000'" },
        release: RELEASE,
        request: { url: 'http://notlocalhost:8000/' },
      },
      [
        ['effective-directive', 'style-src'],
        ['blocked-uri', 'http://notlocalhost:8000/lol.css'],
      ],
    ],
    [
      'expect_ct',
      {
        'expect-ct-report': {
          'date-time': '2014-04-06T13:00:50Z',
          hostname: 'www.example.com',
          port: 443,
          'effective-expiration-date': '2014-05-01T12:40:50Z',
          'served-certificate-chain': ['-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----'],
          'validated-certificate-chain': ['-----BEGIN CERTIFICATE-----\nCDE\n-----END CERTIFICATE-----'],
          scts: [{ version: 1, status: 'invalid', source: 'embedded', serialized_sct: 'ABCD==' }],
        },
      },
      {
        type: 'expectct',
        contexts: {
          browser: { name: 'Chrome', type: 'browser', version: '74.0.3729' },
          client_os: { name: 'Windows', type: 'os' },
        },
        culprit: 'www.example.com',
        logentry: { formatted: "Expect-CT failed for 'www.example.com'" },
        logger: 'csp',
        release: RELEASE,
        environment: 'production',
        request: { headers: [['User-Agent', CHROME_UA]], url: 'www.example.com' },
        expectct: {
          date_time: '2014-04-06T13:00:50+00:00',
          hostname: 'www.example.com',
          port: 443,
          effective_expiration_date: '2014-05-01T12:40:50+00:00',
          served_certificate_chain: ['-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----'],
          validated_certificate_chain: ['-----BEGIN CERTIFICATE-----\nCDE\n-----END CERTIFICATE-----'],
          scts: [{ version: 1, status: 'invalid', source: 'embedded', serialized_sct: 'ABCD==' }],
        },
        user: { ip_address: '127.0.0.1' },
      },
      [
        ['hostname', 'www.example.com'],
        ['port', '443'],
      ],
    ],
    [
      'expect_staple',
      {
        'expect-staple-report': {
          'date-time': '2014-04-06T13:00:50Z',
          hostname: 'www.example.com',
          port: 443,
          'response-status': 'ERROR_RESPONSE',
          'cert-status': 'REVOKED',
          'effective-expiration-date': '2014-05-01T12:40:50Z',
          'served-certificate-chain': ['-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----'],
          'validated-certificate-chain': ['-----BEGIN CERTIFICATE-----\nCDE\n-----END CERTIFICATE-----'],
        },
      },
      {
        type: 'expectstaple',
        contexts: CHROME_CONTEXTS,
        culprit: 'www.example.com',
        level: 'error',
        logentry: { formatted: "Expect-Staple failed for 'www.example.com'" },
        logger: 'csp',
        platform: 'other',
        project: 0, // replaced by this server's project id below
        release: RELEASE,
        environment: 'production',
        request: { headers: [['User-Agent', CHROME_UA]], url: 'www.example.com' },
        expectstaple: {
          date_time: '2014-04-06T13:00:50+00:00',
          hostname: 'www.example.com',
          port: 443,
          effective_expiration_date: '2014-05-01T12:40:50+00:00',
          response_status: 'ERROR_RESPONSE',
          cert_status: 'REVOKED',
          served_certificate_chain: ['-----BEGIN CERTIFICATE-----\nABC\n-----END CERTIFICATE-----'],
          validated_certificate_chain: ['-----BEGIN CERTIFICATE-----\nCDE\n-----END CERTIFICATE-----'],
        },
        user: { ip_address: '127.0.0.1', sentry_user: 'ip:127.0.0.1' },
      },
      [
        ['hostname', 'www.example.com'],
        ['port', '443'],
        ['response_status', 'ERROR_RESPONSE'],
        ['cert_status', 'REVOKED'],
      ],
    ],
    [
      'hpkp',
      {
        'date-time': '2014-04-06T13:00:50Z',
        hostname: 'www.example.com',
        port: 443,
        'effective-expiration-date': '2014-05-01T12:40:50Z',
        'include-subdomains': false,
        'served-certificate-chain': [
          '-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygBQUAMEIxCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----',
        ],
        'validated-certificate-chain': [
          '-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygAwIBAgIDCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----',
        ],
        'known-pins': [
          'pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="',
          'pin-sha256="E9CZ9INDbd+2eRQozYqqbQ2yXLVKB9+xcprMF+44U1g="',
        ],
      },
      {
        logentry: { formatted: "Public key pinning validation failed for 'www.example.com'" },
        release: RELEASE,
        environment: 'production',
        request: { url: 'www.example.com' },
        hpkp: {
          date_time: '2014-04-06T13:00:50+00:00',
          hostname: 'www.example.com',
          port: 443,
          effective_expiration_date: '2014-05-01T12:40:50+00:00',
          include_subdomains: false,
          served_certificate_chain: [
            '-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygBQUAMEIxCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----',
          ],
          validated_certificate_chain: [
            '-----BEGIN CERTIFICATE-----\n MIIEBDCCAuygAwIBAgIDCzAJBgNVBAYTAlVT\n -----END CERTIFICATE-----',
          ],
          known_pins: [
            'pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="',
            'pin-sha256="E9CZ9INDbd+2eRQozYqqbQ2yXLVKB9+xcprMF+44U1g="',
          ],
        },
      },
      [
        ['hostname', 'www.example.com'],
        ['port', '443'],
        ['include-subdomains', 'false'],
      ],
    ],
  ];
  for (const [name, input, expected, tags] of cases) {
    it(`stores the ${name} report as an event of its type`, async () => {
      const event = await reportToEvent(input);
      expect(event).toMatchObject(
        'project' in expected ? { ...expected, project: server.projectId } : expected,
      );
      expect(event.tags).toEqual(expect.arrayContaining(tags));
    });
  }
});

it('test_security_report_preflight: answers the CORS preflight with the allowed method and headers', async () => {
  const res = await request(server, `/api/${server.projectId}/security/?sentry_key=${server.publicKey}`, {
    method: 'OPTIONS',
    headers: {
      pragma: 'no-cache',
      'cache-control': 'no-cache',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
      'user-agent': 'Some Browser',
      'accept-language': 'en-GB,en;q=0.9,en-US;q=0.8',
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '2a02:8388:8b86:a700:541e:f608:70f6:bcf2',
    },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-methods')).toBe('POST');
  const allowed = new Set(
    res.headers
      .get('access-control-allow-headers')!
      .split(',')
      .map((h) => h.trim()),
  );
  expect(allowed).toEqual(
    new Set([
      'x-forwarded-for',
      'content-type',
      'transfer-encoding',
      'referer',
      'authorization',
      'origin',
      'authentication',
      'content-encoding',
      'x-sentry-auth',
      'accept',
      'x-requested-with',
    ]),
  );
});

it('test_security_report_expose_headers: exposes the Sentry error and rate limit headers', async () => {
  const res = await sendSecurityReport('', {
    contentType: 'application/json; charset=utf-8',
    origin: 'http://valid.com',
  });
  const exposed = new Set(
    res.headers
      .get('access-control-expose-headers')!
      .split(',')
      .map((h) => h.trim()),
  );
  expect(exposed).toEqual(new Set(['x-sentry-error', 'x-sentry-rate-limits', 'retry-after']));
});

it('test_adds_origin_header: keeps the request Origin in the event request headers', async () => {
  const event = await reportToEvent(CSP_INPUT, {
    contentType: 'application/json; charset=utf-8',
    origin: 'http://valid.com',
  });
  expect((event.request as { headers: unknown[] }).headers).toContainEqual(['Origin', 'http://valid.com/']);
});

describe('test_uses_origins', () => {
  // Relay's test never writes `allowed_domains` into the project config (its `invalid.com` case
  // passes only because it does not wait for the event); the port applies them as intended.
  afterAll(() => setProjectConfig(server, relayFullProjectConfig()));

  it.each([
    [['valid.com'], true],
    [['invalid.com'], false],
  ])('allowedDomains %j: a report from http://valid.com is allowed: %s', async (allowedDomains, allowed) => {
    await setProjectConfig(server, { ...relayFullProjectConfig(), allowedDomains });
    const before = (await storedEvents(server)).length;
    let status = 0;
    const outcomes = await outcomesDuring(server, async () => {
      const res = await sendSecurityReport(CSP_INPUT, {
        contentType: 'application/json; charset=utf-8',
        origin: 'http://valid.com',
      });
      status = res.status;
    });
    const stored = (await storedEvents(server)).length - before;
    if (allowed) {
      expect([status, stored]).toEqual([200, 1]);
    } else {
      expect([status, stored]).toEqual([403, 0]);
      expect(outcomes).toEqual([{ outcome: 'invalid', category: 'security', reason: 'cors', quantity: 1 }]);
    }
  });
});
