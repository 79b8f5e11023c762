/**
 * Readers shared by the filterable adapters and the event getter. Request headers are read with
 * `getHeader` of `src/processing/normalize/request.ts` (normalized events carry `[name, value]`
 * pair lists; names compare case-insensitively).
 */
import type { JsonValue } from '../../protocol/json.js';

/** Releases may arrive as numbers (Relay's `LenientString`). */
export function lenientString(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
