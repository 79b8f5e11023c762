import { describe, expect, it } from 'vitest';
import { isPermanentStoreError, MissingProjectError } from './errors.js';

describe('isPermanentStoreError', () => {
  it('knows the data-caused failures of both stores', () => {
    expect(isPermanentStoreError(new MissingProjectError(7))).toBe(true);
    // PostgreSQL: foreign key, not-null, invalid text representation, undefined column.
    for (const code of ['23503', '23502', '22P02', '42703']) {
      expect(isPermanentStoreError(Object.assign(new Error('pg'), { code }))).toBe(true);
    }
    // SQLite (better-sqlite3): constraint violations, oversized values.
    for (const code of ['SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CONSTRAINT', 'SQLITE_TOOBIG']) {
      expect(isPermanentStoreError(Object.assign(new Error('sqlite'), { code }))).toBe(true);
    }
  });

  it('treats outages, locks and anything unknown as transient', () => {
    // Connection refused/reset, admin shutdown, serialization failure, too many connections.
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '40001', '53300', '08006']) {
      expect(isPermanentStoreError(Object.assign(new Error('down'), { code }))).toBe(false);
    }
    for (const code of ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL']) {
      expect(isPermanentStoreError(Object.assign(new Error('busy'), { code }))).toBe(false);
    }
    expect(isPermanentStoreError(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isPermanentStoreError('a string')).toBe(false);
    expect(isPermanentStoreError(null)).toBe(false);
  });
});
