/**
 * What Vigil keeps in its disk spool (src/storage/spool/), record by record:
 * - `envelope`: an accepted envelope not yet processed — the envelope bytes
 *   (`serializeEnvelope`, read back with `parseEnvelope`) and, as metadata, everything
 *   processing needs besides the project config: project, organization, key, request meta
 *   (`receivedAt`, client IP, user agent, ...) and the size the queue accounts. The config is
 *   not stored: it is looked up again by the public key on replay, so a replayed envelope is
 *   processed with the project's settings of that moment.
 * - `rows`: rows a ClickHouse sink could not insert before shutdown, as the JSON lines the sink
 *   held, for one table. They are pushed to that table's sink on replay, not processed again,
 *   so nothing they stand for (outcomes, new issues) is counted twice.
 */
import { parseEnvelope, serializeEnvelope } from '../../protocol/envelope.js';
import type { SpoolRecord } from '../../storage/spool/index.js';
import type { AcceptedEnvelope, RequestMeta } from '../ingest/index.js';

/** An accepted envelope as spooled: all of it but the project config, re-resolved on replay. */
export type SpooledEnvelope = Omit<AcceptedEnvelope, 'config'>;

/** One spool record, read back. `invalid` is a record this version cannot use (logged, skipped). */
export type SpooledItem =
  | { kind: 'envelope'; accepted: SpooledEnvelope }
  | { kind: 'rows'; table: string; rows: string[] }
  | { kind: 'invalid'; reason: string };

/** Version of the record metadata layout, stored in every record's `v`. */
const RECORD_VERSION = 1;

/** The spool record of an accepted envelope (its `config` is left out). */
export function envelopeRecord(accepted: AcceptedEnvelope): SpoolRecord {
  return {
    meta: {
      kind: 'envelope',
      v: RECORD_VERSION,
      projectId: accepted.projectId,
      organizationId: accepted.organizationId,
      keyId: accepted.keyId,
      publicKey: accepted.publicKey,
      sizeBytes: accepted.sizeBytes,
      meta: accepted.meta as unknown as Record<string, unknown>,
    },
    payload: serializeEnvelope(accepted.envelope),
  };
}

/** The spool record of rows (JSON lines) for `table`. */
export function rowsRecord(table: string, rows: readonly string[]): SpoolRecord {
  return {
    meta: { kind: 'rows', v: RECORD_VERSION, table, count: rows.length },
    payload: Buffer.from(JSON.stringify(rows), 'utf8'),
  };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** Reads a record written by {@link envelopeRecord} or {@link rowsRecord}. Never throws. */
export function readSpoolRecord(record: SpoolRecord): SpooledItem {
  const { meta, payload } = record;
  if (meta.v !== RECORD_VERSION)
    return { kind: 'invalid', reason: `unknown record version ${String(meta.v)}` };
  if (meta.kind === 'rows') {
    if (typeof meta.table !== 'string') return { kind: 'invalid', reason: 'rows record without a table' };
    let rows: unknown;
    try {
      rows = JSON.parse(payload.toString('utf8'));
    } catch {
      return { kind: 'invalid', reason: 'rows record is not JSON' };
    }
    if (!Array.isArray(rows) || !rows.every((r) => typeof r === 'string')) {
      return { kind: 'invalid', reason: 'rows record is not a list of lines' };
    }
    return { kind: 'rows', table: meta.table, rows };
  }
  if (meta.kind !== 'envelope')
    return { kind: 'invalid', reason: `unknown record kind ${String(meta.kind)}` };
  const { projectId, organizationId, keyId, publicKey, sizeBytes } = meta;
  const requestMeta = meta.meta as RequestMeta | undefined;
  if (
    !isInt(projectId) ||
    !isInt(organizationId) ||
    !isInt(keyId) ||
    typeof publicKey !== 'string' ||
    !isInt(sizeBytes) ||
    typeof requestMeta !== 'object' ||
    requestMeta === null ||
    typeof requestMeta.receivedAt !== 'number' ||
    typeof requestMeta.clientIp !== 'string'
  ) {
    return { kind: 'invalid', reason: 'envelope record with incomplete metadata' };
  }
  const parsed = parseEnvelope(payload);
  if (!parsed.ok)
    return { kind: 'invalid', reason: `spooled envelope does not parse: ${parsed.error.message}` };
  return {
    kind: 'envelope',
    accepted: {
      envelope: parsed.envelope,
      projectId,
      organizationId,
      keyId,
      publicKey,
      sizeBytes,
      meta: requestMeta,
    },
  };
}
