/**
 * The bootstrap API token's plaintext, kept in `<dataDir>/admin-token` (mode 0600) so
 * `vigil start` can print it on every start and the `vigil` CLI can call the web API
 * without flags. The metadata store keeps only its hash, like every token.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE = 'admin-token';

/** Writes the token file (owner read/write only). */
export function writeAdminToken(dataDir: string, token: string): void {
  writeFileSync(path.join(dataDir, FILE), `${token}\n`, { mode: 0o600 });
}

/** Reads the token file; `undefined` when it does not exist. */
export function readAdminToken(dataDir: string): string | undefined {
  try {
    return readFileSync(path.join(dataDir, FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
