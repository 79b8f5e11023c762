import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../protocol/json.js';
import { computeGrouping, deriveTitleInfo } from '../../grouping/index.js';
import { normalizeEvent } from '../../normalize/index.js';
import {
  classifySecurityReport,
  normalizeReportUri,
  securityReportToEvent,
  splitSecurityBody,
} from './index.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function event(body: unknown, ctx = {}): JsonObject {
  const result = securityReportToEvent(json(body), ctx);
  if (result.kind !== 'ok') throw new Error(`dropped: ${result.reason}`);
  return result.value.event;
}

function cspMessage(report: JsonObject): string {
  return (event({ 'csp-report': report }).logentry as { formatted: string }).formatted;
}

describe('CSP reports (Relay security_report.rs)', () => {
  it('builds message, culprit, tags, request and the csp interface from a legacy report', () => {
    expect(
      event({
        'csp-report': {
          'document-uri': 'http://example.com',
          'violated-directive': 'style-src cdn.example.com',
          'blocked-uri': 'http://example.com/lol.css',
          'effective-directive': 'style-src',
          'status-code': '200',
        },
      }),
    ).toEqual({
      type: 'csp',
      culprit: 'style-src cdn.example.com',
      logentry: { formatted: "Blocked 'style' from 'example.com'" },
      request: { url: 'http://example.com' },
      tags: [
        ['effective-directive', 'style-src'],
        ['blocked-uri', 'http://example.com/lol.css'],
        ['blocked-host', 'example.com'],
      ],
      csp: {
        effective_directive: 'style-src',
        blocked_uri: 'http://example.com/lol.css',
        document_uri: 'http://example.com',
        status_code: 200,
        violated_directive: 'style-src cdn.example.com',
      },
    });
  });

  it('reads a Reporting API csp-violation body (camelCase, sample alias) and adds Referer and Origin', () => {
    const e = event(
      {
        type: 'csp-violation',
        age: 0,
        url: 'https://example.com/page',
        user_agent: 'Mozilla/5.0',
        body: {
          documentURL: 'https://example.com/page',
          blockedURL: 'https://evil.example.net:8443/x.js',
          effectiveDirective: 'script-src-elem',
          originalPolicy: "script-src 'self'; report-to csp",
          referrer: 'https://www.google.com/',
          disposition: 'enforce',
          statusCode: 200,
          lineNumber: 3,
          sample: '',
        },
      },
      { release: 'shop@1.2', environment: 'prod', origin: 'https://example.com' },
    );
    expect(e.logentry).toEqual({ formatted: "Blocked 'script' from 'evil.example.net:8443'" });
    expect(e.culprit).toBe('');
    expect(e.release).toBe('shop@1.2');
    expect(e.environment).toBe('prod');
    expect(e.request).toEqual({
      url: 'https://example.com/page',
      headers: [
        ['Referer', 'https://www.google.com/'],
        ['Origin', 'https://example.com'],
      ],
    });
    expect(e.csp).toMatchObject({
      effective_directive: 'script-src-elem',
      script_sample: '',
      line_number: 3,
    });
  });

  it.each([
    [
      { 'effective-directive': 'img-src', 'blocked-uri': 'http://google.com/foo' },
      "Blocked 'image' from 'google.com'",
    ],
    [{ 'effective-directive': 'style-src', 'blocked-uri': '' }, "Blocked inline 'style'"],
    [
      { 'effective-directive': 'script-src', 'blocked-uri': '' },
      "Blocked unsafe (eval() or inline) 'script'",
    ],
    [{ 'effective-directive': 'script-src' }, "Blocked unsafe (eval() or inline) 'script'"],
    [{ 'effective-directive': 'script-src', 'blocked-uri': 'inline' }, "Blocked unsafe inline 'script'"],
    [{ 'effective-directive': 'script-src', 'blocked-uri': 'eval' }, "Blocked unsafe eval() 'script'"],
    [{ 'effective-directive': 'script-src', 'blocked-uri': 'INLINE' }, "Blocked 'script' from 'INLINE:'"],
    [
      { 'effective-directive': 'script-src', 'blocked-uri': 'data:text/plain;base64,SGVsbG8=' },
      "Blocked 'script' from 'data:'",
    ],
    [{ 'effective-directive': 'script-src', 'blocked-uri': 'data' }, "Blocked 'script' from 'data:'"],
    [
      { 'effective-directive': 'style-src', 'blocked-uri': 'http://notlocalhost:8000/lol.css' },
      "Blocked 'style' from 'notlocalhost:8000'",
    ],
    [{ 'effective-directive': 'style-src-elem', 'blocked-uri': 'self' }, "Blocked 'style' or 'link' element"],
    [
      { 'effective-directive': 'script-src-attr', 'blocked-uri': 'eval' },
      "Blocked inline script attribute from 'eval:'",
    ],
    [
      { 'violated-directive': 'default-src self', 'blocked-uri': 'http://evilhackerscripts.com' },
      "Blocked 'default-src' from 'evilhackerscripts.com'",
    ],
    [
      {
        'effective-directive': 'not-a-directive',
        'violated-directive': "script-src 'unsafe-inline'",
        'blocked-uri': 'eval',
      },
      "Blocked unsafe eval() 'script'",
    ],
  ])('message of %j is %s', (report, message) => {
    expect(cspMessage({ 'document-uri': 'http://example.com/foo', ...report })).toBe(message);
  });

  it.each([
    ['http://example.com/foo', 'style-src http://cdn.example.com', 'style-src http://cdn.example.com'],
    ['http://example.com/foo', 'style-src http://example.com', "style-src 'self'"],
    [
      'http://example.com/foo',
      'style-src http://example2.com example.com',
      "style-src http://example2.com 'self'",
    ],
    ['example.com', 'style-src example2.com', 'style-src example2.com'],
  ])('culprit for document %s and %s is %s', (documentUri, violated, culprit) => {
    expect(
      event({ 'csp-report': { 'document-uri': documentUri, 'violated-directive': violated } }).culprit,
    ).toBe(culprit);
  });

  it('cuts Stripe query strings from the blocked-uri tag', () => {
    const e = event({
      'csp-report': {
        'document-uri': 'https://example.com',
        'blocked-uri': 'https://api.stripe.com/v1/tokens?card[number]=xxx',
        'effective-directive': 'script-src',
      },
    });
    expect(e.tags).toContainEqual(['blocked-uri', 'https://api.stripe.com/v1/tokens']);
  });

  it('normalizes URIs like Relay', () => {
    expect(normalizeReportUri('')).toBe("'self'");
    expect(normalizeReportUri('http')).toBe('http://');
    expect(normalizeReportUri('https://notlocalhost/')).toBe('notlocalhost');
    expect(normalizeReportUri('data://notlocalhost/')).toBe('data://notlocalhost');
    expect(normalizeReportUri('xyz://notlocalhost/')).toBe('xyz://notlocalhost');
  });
});

describe('certificate reports', () => {
  it('HPKP: message, tags, request and interface; no culprit', () => {
    const e = event({
      'date-time': '2014-04-06T13:00:50Z',
      hostname: 'www.example.com',
      port: 443,
      'include-subdomains': false,
      'known-pins': ['pin-sha256="d6qzRu9zOECb90Uez27xWltNsj0e1Md7GkYYkVoZWmM="'],
    });
    expect(e).toMatchObject({
      type: 'hpkp',
      logentry: { formatted: "Public key pinning validation failed for 'www.example.com'" },
      tags: [
        ['hostname', 'www.example.com'],
        ['port', '443'],
        ['include-subdomains', 'false'],
      ],
      request: { url: 'www.example.com' },
      hpkp: { date_time: '2014-04-06T13:00:50+00:00', hostname: 'www.example.com', port: 443 },
    });
    expect(e.culprit).toBeUndefined();
  });

  it('Expect-CT and Expect-Staple', () => {
    const ct = event({
      'expect-ct-report': {
        'date-time': '2014-04-06T13:00:50Z',
        hostname: 'www.example.com',
        port: 443,
        scts: [{ version: 1, status: 'invalid', source: 'embedded', serialized_sct: 'ABCD==' }],
      },
    });
    expect(ct).toMatchObject({
      type: 'expectct',
      culprit: 'www.example.com',
      logentry: { formatted: "Expect-CT failed for 'www.example.com'" },
      expectct: { scts: [{ version: 1, status: 'invalid', source: 'embedded', serialized_sct: 'ABCD==' }] },
    });
    const staple = event({
      'expect-staple-report': {
        hostname: 'www.example.com',
        port: 443,
        'response-status': 'ERROR_RESPONSE',
        'cert-status': 'REVOKED',
      },
    });
    expect(staple).toMatchObject({
      type: 'expectstaple',
      culprit: 'www.example.com',
      logentry: { formatted: "Expect-Staple failed for 'www.example.com'" },
      tags: [
        ['hostname', 'www.example.com'],
        ['port', '443'],
        ['response_status', 'ERROR_RESPONSE'],
        ['cert_status', 'REVOKED'],
      ],
    });
  });
});

describe('classification and rejection', () => {
  it.each([
    ['not json', Buffer.from('{nope'), 'invalid', 'invalid_json'],
    ['a JSON list', json([1]), 'invalid', 'invalid_json'],
    ['a non-string type', json({ type: 5 }), 'invalid', 'invalid_json'],
    ['no known report', json({ hello: 'world' }), 'invalid', 'security_report_type'],
    ['another Reporting API type', json({ type: 'deprecation', body: {} }), 'filtered', 'invalid-csp'],
    ['no directive', json({ 'csp-report': { 'blocked-uri': 'inline' } }), 'invalid', 'security_report'],
    [
      'a mistyped field',
      json({ 'csp-report': { 'effective-directive': 'img-src', 'document-uri': 5 } }),
      'invalid',
      'security_report',
    ],
    [
      'a float line number',
      json({ 'csp-report': { 'effective-directive': 'img-src', 'line-number': 1.5 } }),
      'invalid',
      'security_report',
    ],
    [
      'HPKP without known-pins',
      json({ hostname: 'a', 'known-pins': null }),
      'invalid',
      'security_report_type',
    ],
    ['Expect-CT without hostname', json({ 'expect-ct-report': { port: 1 } }), 'invalid', 'security_report'],
    [
      'Expect-Staple with an unknown status',
      json({ 'expect-staple-report': { hostname: 'a', 'cert-status': 'MAYBE' } }),
      'invalid',
      'security_report',
    ],
  ])('%s → %s / %s', (_name, payload, outcome, reason) => {
    expect(securityReportToEvent(payload)).toEqual({ kind: 'drop', outcome, reason });
  });

  it('classifies by keys', () => {
    expect(classifySecurityReport({ 'csp-report': {} })).toBe('csp');
    expect(classifySecurityReport({ type: 'csp-violation' })).toBe('csp');
    expect(classifySecurityReport({ 'known-pins': [] })).toBe('hpkp');
    expect(classifySecurityReport({ 'expect-ct-report': {} })).toBe('expectct');
    expect(classifySecurityReport({ 'expect-staple-report': {} })).toBe('expectstaple');
    expect(classifySecurityReport({ 'csp-report': null })).toBeUndefined();
  });
});

describe('Reporting API lists', () => {
  it('splits CSP reports from NEL reports', () => {
    const csp = { type: 'csp-violation', body: { effectiveDirective: 'img-src' } };
    const nel = { type: 'network-error', body: { type: 'tcp.refused' } };
    const split = splitSecurityBody(json([csp, nel, csp]));
    expect(split.security.map((b) => JSON.parse(b.toString()))).toEqual([csp, csp]);
    expect(split.nel).toEqual([nel]);
  });

  it('keeps a single report (or a broken body) as one security report', () => {
    const body = Buffer.from('{"csp-report": {}}');
    expect(splitSecurityBody(body)).toEqual({ security: [body], nel: [] });
    expect(splitSecurityBody(Buffer.from('nope')).security).toHaveLength(1);
  });
});

describe('through normalization and grouping (Sentry strategies/security.py)', () => {
  function processed(body: unknown) {
    const normalized = normalizeEvent(event(body), {
      receivedAt: 1_700_000_000,
      itemType: 'event',
      clientIp: '10.0.0.1',
    });
    if (!normalized.ok) throw new Error(normalized.reason);
    const grouping = computeGrouping(normalized.event);
    return { event: normalized.event, grouping, info: deriveTitleInfo(normalized.event, { grouping }) };
  }
  const csp = (blocked: string, violated = 'script-src') => ({
    'csp-report': {
      'document-uri': 'https://shop.example/checkout',
      'effective-directive': 'script-src',
      'violated-directive': violated,
      'blocked-uri': blocked,
    },
  });

  it('keeps the csp type, Relay title and culprit, the csp logger and the client IP', () => {
    const { event: e, info } = processed(csp('https://evil.example/x.js'));
    expect(e.type).toBe('csp');
    expect(e.logger).toBe('csp');
    expect((e.user as JsonObject).ip_address).toBe('10.0.0.1');
    expect(info).toMatchObject({
      type: 'csp',
      title: "Blocked 'script' from 'evil.example'",
      culprit: 'script-src',
      metadata: { directive: 'script-src', uri: 'evil.example' },
    });
  });

  it('groups by directive and normalized blocked host, not by full URL or document', () => {
    const a = processed(csp('https://evil.example/a.js?1')).grouping.hashes;
    const b = processed(csp('https://evil.example/b.js?2')).grouping.hashes;
    const c = processed(csp('https://other.example/a.js')).grouping.hashes;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("groups local script violations by the violation ('unsafe-inline')", () => {
    const a = processed(csp('self', "script-src 'unsafe-inline'")).grouping;
    const b = processed(csp('', "script-src 'unsafe-inline' https://cdn.example")).grouping;
    expect(a.hashes).toEqual(b.hashes);
  });

  it('groups certificate reports by hostname', () => {
    const report = (hostname: string, port: number) => ({ 'expect-ct-report': { hostname, port } });
    const { info } = processed(report('www.example.com', 443));
    expect(info).toMatchObject({
      type: 'expectct',
      title: "Expect-CT failed for 'www.example.com'",
      culprit: 'www.example.com',
    });
    expect(processed(report('www.example.com', 443)).grouping.hashes).toEqual(
      processed(report('www.example.com', 8443)).grouping.hashes,
    );
    expect(processed(report('www.example.com', 443)).grouping.hashes).not.toEqual(
      processed(report('api.example.com', 443)).grouping.hashes,
    );
  });
});
