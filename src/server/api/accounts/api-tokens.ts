/**
 * The token's user's API tokens (Sentry `ApiTokensEndpoint`, `ApiTokenDetailsEndpoint`):
 * - `GET /api/0/api-tokens/` (oldest first, without secrets), `POST` (`{name?, scopes}`: the
 *   plaintext `token` is in this answer only), `DELETE` (`{tokenId}`);
 * - `GET|DELETE /api/0/api-tokens/{token_id}/`.
 * Sentry serves these to signed-in sessions only; Vigil has no sessions, so user tokens manage
 * their user's tokens, and a new token may not have a scope the requesting token lacks.
 * Organization tokens (no user) are refused with 403. A deleted token is refused from the next
 * request on.
 */
import type { FastifyInstance } from 'fastify';
import {
  ALL_API_SCOPES,
  createUserApiToken,
  deleteApiToken,
  getApiToken,
  listUserApiTokens,
  type ApiToken,
} from '../../../storage/metadata/index.js';
import type { ApiPrincipal } from '../auth.js';
import { NOT_FOUND } from '../context.js';
import { ApiError } from '../errors.js';
import { pageOf, pageRequest } from '../pagination.js';
import { serializeApiToken } from '../serializers/index.js';
import { requestUrl, userOf, type AccountRoutesDeps } from './common.js';
import { bodyOf, charField, type FieldErrors } from './fields.js';

type Params = Record<string, string>;

/** Registers the API token routes. */
export async function apiTokenRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  /** Token `raw` of the principal's user; ApiError 404 for another user's or an unknown token. */
  async function tokenOf(principal: ApiPrincipal, raw: string): Promise<ApiToken> {
    const id = Number(raw);
    const token = Number.isSafeInteger(id) && id > 0 ? await getApiToken(metadata, id) : undefined;
    if (!token || token.user_id !== userOf(principal)) throw new ApiError(404, NOT_FOUND);
    return token;
  }

  app.get('/api/0/api-tokens/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    const tokens = await listUserApiTokens(metadata, userOf(principal));
    const page = pageRequest(request.query);
    const rows = pageOf(
      reply,
      requestUrl(deps.publicUrl, request),
      page,
      tokens.slice(page.offset, page.offset + page.limit + 1),
    );
    return rows.map((t) => serializeApiToken(t));
  });

  app.post('/api/0/api-tokens/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    const userId = userOf(principal);
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { maxLength: 255, allowBlank: true, allowNull: true });
    const scopes = scopesField(body.scopes, errors);
    if (Object.keys(errors).length > 0 || scopes === undefined) return reply.code(400).send(errors);
    const beyond = scopes.filter((s) => !principal.tokenScopes.includes(s));
    if (beyond.length > 0) {
      return reply.code(400).send({
        scopes: [
          `The requesting token lacks these scopes, so a new token cannot have them: ${beyond.join(', ')}`,
        ],
      });
    }
    const { token, row } = await createUserApiToken(
      metadata,
      userId,
      name ?? '',
      scopes,
      principal.organizationId,
    );
    return reply.code(201).send(serializeApiToken(row, token));
  });

  app.delete('/api/0/api-tokens/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    const userId = userOf(principal);
    const raw = bodyOf(request.body).tokenId;
    if (raw === undefined || raw === null || raw === '')
      return reply.code(400).send({ tokenId: ['This field is required.'] });
    const id = Number(raw);
    const token = Number.isSafeInteger(id) ? await getApiToken(metadata, id) : undefined;
    // Like Sentry, deleting a token that is not the user's changes nothing and still answers 204.
    if (token && token.user_id === userId) {
      await deleteApiToken(metadata, token.id);
      auth.forget(token.id);
    }
    return reply.code(204).send();
  });

  app.get('/api/0/api-tokens/:tokenId/', async (request) => {
    const principal = await auth.authenticate(request);
    return serializeApiToken(await tokenOf(principal, (request.params as Params).tokenId ?? ''));
  });

  app.delete('/api/0/api-tokens/:tokenId/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    const token = await tokenOf(principal, (request.params as Params).tokenId ?? '');
    await deleteApiToken(metadata, token.id);
    auth.forget(token.id);
    return reply.code(204).send();
  });
}

/** DRF `MultipleChoiceField(choices=SENTRY_SCOPES)`: required, a list of known scopes. */
function scopesField(value: unknown, errors: FieldErrors): string[] | undefined {
  if (value === undefined || value === null) {
    errors.scopes = ['This field is required.'];
    return undefined;
  }
  if (!Array.isArray(value)) {
    errors.scopes = [
      `Expected a list of items but got type "${typeof value === 'string' ? 'str' : 'dict'}".`,
    ];
    return undefined;
  }
  const unknown = value.find((s) => typeof s !== 'string' || !ALL_API_SCOPES.includes(s));
  if (unknown !== undefined) {
    errors.scopes = [`"${String(unknown)}" is not a valid choice.`];
    return undefined;
  }
  if (value.length === 0) {
    errors.scopes = ['This selection may not be empty.'];
    return undefined;
  }
  return [...new Set(value as string[])];
}
