/**
 * Bearer-token authentication of the web API (`Authorization: Bearer <token>`), as
 * Sentry's API and sentry-cli use it. Tokens are stored hashed in the metadata store;
 * verified tokens are cached for a minute so reads do not hit the database per request.
 */
import type { FastifyRequest } from 'fastify';
import { verifyApiToken, type MetadataStore } from '../../storage/metadata/index.js';
import { ApiError } from './errors.js';

/** Who a request acts for: the token's organization and scopes (e.g. `event:read`). */
export interface ApiPrincipal {
  tokenId: number;
  organizationId: number;
  scopes: string[];
}

/** Verifies bearer tokens with a small TTL cache. */
export class TokenAuth {
  private readonly cache = new Map<string, { principal: ApiPrincipal; expires: number }>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly ttlMs = 60_000,
  ) {}

  /**
   * Returns the principal of the request's bearer token.
   * Throws ApiError 401 when the header is missing or the token is unknown.
   */
  async authenticate(request: FastifyRequest): Promise<ApiPrincipal> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError(401, 'Authentication credentials were not provided.');
    const token = match[1]!;
    const hit = this.cache.get(token);
    if (hit && hit.expires > Date.now()) return hit.principal;
    const row = await verifyApiToken(this.metadata, token);
    if (!row) throw new ApiError(401, 'Invalid token');
    const principal: ApiPrincipal = {
      tokenId: row.id,
      organizationId: row.organization_id,
      scopes: row.scopes,
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { principal, expires: Date.now() + this.ttlMs });
    return principal;
  }
}

/** Throws ApiError 403 unless the principal has one of `scopes`. */
export function requireScope(principal: ApiPrincipal, ...scopes: string[]): void {
  if (!scopes.some((s) => principal.scopes.includes(s))) {
    throw new ApiError(403, 'You do not have permission to perform this action.');
  }
}
