import { describe, expect, it } from 'vitest';
import { envelopeRecord, readSpoolRecord, rowsRecord } from './spool-records.js';
import { acceptedEnvelope } from './test-envelope.js';

describe('spool records', () => {
  it('round-trips an accepted envelope without its config, keeping bytes, scoping and request meta', () => {
    const accepted = {
      ...acceptedEnvelope({
        headers: { event_id: 'e'.repeat(32), trace: { trace_id: '1'.repeat(32), sample_rand: 0.5 } },
        items: [
          { headers: { type: 'event' }, payload: Buffer.from('{"message":"hi"}') },
          { headers: { type: 'attachment', filename: 'a.bin' }, payload: Buffer.from([0, 10, 255, 13, 10]) },
        ],
        projectId: 7,
        organizationId: 3,
        keyId: 9,
        meta: {
          receivedAt: 1700000000.5,
          clientIp: '::1',
          origin: 'https://x.example',
          clientHints: { sec_ch_ua_model: 'P' },
        },
      }),
      sizeBytes: 1234,
    };
    const read = readSpoolRecord(envelopeRecord(accepted));
    expect(read.kind).toBe('envelope');
    if (read.kind !== 'envelope') return;
    const { config: _config, ...rest } = accepted;
    expect(read.accepted).toEqual({
      ...rest,
      envelope: {
        headers: accepted.envelope.headers,
        items: accepted.envelope.items.map((item) => ({
          headers: { ...item.headers, length: item.payload.length },
          payload: item.payload,
        })),
      },
    });
    expect('config' in read.accepted).toBe(false);
  });

  it('round-trips rows, including lines with newlines escaped or not', () => {
    const rows = ['{"a":"x\\ny"}', 'raw\nline'];
    expect(readSpoolRecord(rowsRecord('logs', rows))).toEqual({ kind: 'rows', table: 'logs', rows });
  });

  it('reports records it cannot use instead of throwing', () => {
    const good = envelopeRecord(acceptedEnvelope());
    expect(readSpoolRecord({ ...good, meta: { ...good.meta, v: 2 } }).kind).toBe('invalid');
    expect(readSpoolRecord({ ...good, meta: { ...good.meta, kind: 'other' } }).kind).toBe('invalid');
    expect(readSpoolRecord({ ...good, meta: { ...good.meta, projectId: 'x' } }).kind).toBe('invalid');
    expect(readSpoolRecord({ ...good, payload: Buffer.from('not an envelope\n{') }).kind).toBe('invalid');
    expect(
      readSpoolRecord({ meta: { kind: 'rows', v: 1, table: 't' }, payload: Buffer.from('{') }).kind,
    ).toBe('invalid');
  });
});
