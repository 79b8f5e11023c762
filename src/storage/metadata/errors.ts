/**
 * Which metadata-store failures retrying cannot fix. The processing loop retries store round
 * trips until they succeed, so that an outage loses nothing; a failure caused by the data itself
 * (a value the database refuses, a project deleted while its events were queued) would then stop
 * ingestion for good. Such failures are told apart here, conservatively: anything not known to
 * be permanent (connection errors, timeouts, locks, unknown errors) counts as transient.
 */

/**
 * Thrown when a write names a project that no longer exists (deleted after its envelope was
 * accepted). Permanent: the events cannot be attached to an issue.
 */
export class MissingProjectError extends Error {
  override name = 'MissingProjectError';
  constructor(readonly projectId: number) {
    super(`project ${projectId} does not exist`);
  }
}

/**
 * PostgreSQL SQLSTATE classes caused by the statement's data or text, not the server's state
 * (PostgreSQL manual, Appendix A): 21 cardinality violation, 22 data exception, 23 integrity
 * constraint violation, 42 syntax error or access rule violation, 44 WITH CHECK OPTION violation.
 */
const PERMANENT_SQLSTATE_CLASSES: ReadonlySet<string> = new Set(['21', '22', '23', '42', '44']);

/**
 * SQLite result codes of better-sqlite3's `SqliteError.code` caused by the data (sqlite.org
 * rescode.html): constraint violations (`SQLITE_CONSTRAINT_*`), type mismatches, oversized values.
 */
const PERMANENT_SQLITE_CODE = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;

/**
 * True when `err` is a metadata-store failure that retrying the same request cannot fix:
 * {@link MissingProjectError}, a PostgreSQL error of a data class (see
 * PERMANENT_SQLSTATE_CLASSES), or an SQLite constraint/mismatch/too-big error. False for
 * everything else, unknown errors included.
 */
export function isPermanentStoreError(err: unknown): boolean {
  if (err instanceof MissingProjectError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (/^[0-9A-Z]{5}$/.test(code)) return PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  return PERMANENT_SQLITE_CODE.test(code);
}
