import { describe, expect, it } from 'vitest';
import { nelMessage, nelPayloadToEntries, nelReportToLogEntry, serverAddress } from './index.js';

const RECEIVED = 1_700_000_000;

describe('NEL reports → logs (relay-ourlogs nel.rs)', () => {
  it('converts a report into a log entry with Relay attributes and the age-corrected time', () => {
    const entry = nelReportToLogEntry(
      {
        age: 1_200_000,
        type: 'network-error',
        url: 'https://example.com/nel/?q=1',
        user_agent: 'Mozilla/5.0',
        body: {
          elapsed_time: 37,
          method: 'GET',
          phase: 'application',
          protocol: 'http/1.1',
          referrer: 'https://example.com/nel/',
          sampling_fraction: 1.0,
          server_ip: '123.123.123.123',
          status_code: 500,
          type: 'http.error',
        },
      },
      RECEIVED,
    );
    expect(entry).toMatchObject({
      timestamp: RECEIVED - 1200,
      level: 'info',
      body: 'The user agent successfully received a response, but it had a 500 status code',
      attributes: {
        'sentry.origin': { type: 'string', value: 'auto.http.browser_reports.nel' },
        report_type: { type: 'string', value: 'network-error' },
        'url.domain': { type: 'string', value: 'example.com' },
        'url.full': { type: 'string', value: 'https://example.com/nel/?q=1' },
        'http.request.duration': { type: 'integer', value: 37 },
        'http.request.method': { type: 'string', value: 'GET' },
        'http.request.header.referer': { type: 'string', value: 'https://example.com/nel/' },
        'http.response.status_code': { type: 'integer', value: 500 },
        'network.protocol': { type: 'string', value: 'http/1.1' },
        'server.address': { type: 'string', value: '123.123.123.123' },
        'nel.phase': { type: 'string', value: 'application' },
        'nel.sampling_fraction': { type: 'double', value: 1 },
        'nel.type': { type: 'string', value: 'http.error' },
      },
    });
    expect(entry?.trace_id).toMatch(/^[0-9a-f]{32}$/u);
  });

  it('words messages and server addresses like Relay', () => {
    expect(nelMessage('dns.unreachable', undefined)).toBe('DNS server is unreachable');
    expect(nelMessage('http.error', undefined)).toBe(
      'The user agent successfully received a response, but it had a 0 status code',
    );
    expect(nelMessage('unknown_error', undefined)).toBe('unknown_error');
    expect(nelMessage('constructor', undefined)).toBe('constructor');
    expect(serverAddress('http://[::1]:8080/foo')).toBe('[::1]');
    expect(serverAddress('http://localhost:3000')).toBe('localhost');
    expect(serverAddress('https://')).toBe('https://');
    expect(serverAddress('example.com')).toBe('example.com');
  });

  it('counts reports without a body (and unparseable payloads) as invalid', () => {
    const payload = Buffer.from(
      JSON.stringify([{ type: 'network-error', body: { type: 'abandoned' } }, { age: 1 }, 'x']),
    );
    const { entries, invalid } = nelPayloadToEntries(payload, RECEIVED);
    expect(entries.map((e) => e.body)).toEqual(['User aborted the resource fetch before it is complete']);
    expect(invalid).toBe(2);
    expect(nelPayloadToEntries(Buffer.from('nope'), RECEIVED)).toEqual({ entries: [], invalid: 1 });
  });
});
