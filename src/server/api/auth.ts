/**
 * Bearer-token authentication of the web API (`Authorization: Bearer <token>`), as
 * Sentry's API and sentry-cli use it. Tokens are stored hashed in the metadata store;
 * verified tokens are cached for a minute so reads do not hit the database per request
 * (a token revoked through this process's API is forgotten at once).
 *
 * Authorization follows Sentry's permission classes in two steps: `requireScope` checks the
 * token's scopes against the scopes the route accepts (`has_permission`, 403), and resolving the
 * organization the path names (`context.ts`, `access.ts`) narrows them to what the token's user
 * may do there and checks the route's scopes again (`has_object_permission`, 403; 404 when the
 * organization is not the token's).
 */
import type { FastifyRequest } from 'fastify';
import { verifyApiToken, type MetadataStore } from '../../storage/metadata/index.js';
import { ApiError } from './errors.js';

/** Sentry's wording of the 401 without credentials (DRF's `NotAuthenticated`). */
export const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';

/** Sentry's wording of the 403 (DRF's `PermissionDenied`). */
export const PERMISSION_DENIED = 'You do not have permission to perform this action.';

/**
 * Who a request acts for. Each request gets its own copy: `scopes` narrows as the request's
 * organization is resolved, and `requiredScopes` remembers what the route asked for.
 */
export interface ApiPrincipal {
  tokenId: number;
  /** The token's user; null for an organization token. */
  userId: number | null;
  /** An organization token's organization, or the one a user token is restricted to; null = any of the user's. */
  organizationId: number | null;
  /** The token's scopes as stored. */
  tokenScopes: readonly string[];
  /**
   * The scopes the request may use: the token's, narrowed to the member's role (and team roles)
   * once the path's organization is resolved.
   */
  scopes: string[];
  /** The scopes the route accepts, set by {@link requireScope}; checked again after narrowing. */
  requiredScopes?: readonly string[];
}

type CachedPrincipal = Omit<ApiPrincipal, 'scopes' | 'requiredScopes'>;

/** Verifies bearer tokens with a small TTL cache. */
export class TokenAuth {
  private readonly cache = new Map<string, { principal: CachedPrincipal; expires: number }>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly ttlMs = 60_000,
  ) {}

  /**
   * Returns a fresh principal for the request's bearer token.
   * Throws ApiError 401 when the header is missing or the token is unknown.
   */
  async authenticate(request: FastifyRequest): Promise<ApiPrincipal> {
    const token = bearerToken(request);
    if (token === undefined) throw new ApiError(401, NOT_AUTHENTICATED);
    const principal = await this.principalOf(token);
    if (principal === undefined) throw new ApiError(401, 'Invalid token');
    return { ...principal, scopes: [...principal.tokenScopes] };
  }

  /**
   * The principal of the request's token, or `undefined` when it sends none (endpoints open to
   * anonymous callers, like `GET /api/0/`). Throws ApiError 401 for an unknown token.
   */
  async authenticateOptional(request: FastifyRequest): Promise<ApiPrincipal | undefined> {
    if (request.headers.authorization === undefined) return undefined;
    return this.authenticate(request);
  }

  /** Forgets token `tokenId` (after it was deleted), so it is refused from the next request on. */
  forget(tokenId: number): void {
    for (const [token, entry] of this.cache) {
      if (entry.principal.tokenId === tokenId) this.cache.delete(token);
    }
  }

  private async principalOf(token: string): Promise<CachedPrincipal | undefined> {
    const hit = this.cache.get(token);
    if (hit && hit.expires > Date.now()) return hit.principal;
    const row = await verifyApiToken(this.metadata, token);
    if (!row) return undefined;
    const principal: CachedPrincipal = {
      tokenId: row.id,
      userId: row.user_id,
      organizationId: row.organization_id,
      tokenScopes: row.scopes,
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, { principal, expires: Date.now() + this.ttlMs });
    return principal;
  }
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * Throws ApiError 403 unless the principal has one of `scopes`; remembers `scopes` as the
 * route's, so resolving the organization checks them against the member's role too.
 */
export function requireScope(principal: ApiPrincipal, ...scopes: string[]): void {
  if (!scopes.some((s) => principal.scopes.includes(s))) throw new ApiError(403, PERMISSION_DENIED);
  principal.requiredScopes = scopes;
}
