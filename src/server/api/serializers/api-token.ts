/**
 * API token JSON in Sentry's web-API shape (`ApiTokenSerializer` in
 * `src/sentry/api/serializers/models/apitoken.py`): the plaintext `token` only in the answer that
 * created it (Vigil stores hashes), else the last characters.
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { ApiToken } from '../../../storage/metadata/index.js';

/**
 * `{id, name, scopes, application: null, expiresAt: null, dateCreated, state: null,
 * tokenLastCharacters, dateLastUsed}` plus `token` (and `refreshToken: null`) when `plaintext`
 * is given.
 */
export function serializeApiToken(token: ApiToken, plaintext?: string): JsonObject {
  const out: JsonObject = {
    id: String(token.id),
    name: token.name,
    scopes: [...token.scopes],
    application: null,
    expiresAt: null,
    dateCreated: token.date_created,
    state: null,
    tokenLastCharacters: token.token_last_characters,
    dateLastUsed: token.date_last_used,
  };
  if (plaintext !== undefined) {
    out.token = plaintext;
    out.refreshToken = null;
  }
  return out;
}
