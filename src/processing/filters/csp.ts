/**
 * The CSP filter (stat key `invalid-csp`), following `relay-filter/src/csp.rs`: drops CSP
 * reports (events of type `csp`) whose `blocked_uri` or `source_file` matches a disallowed
 * source.
 *
 * A source is `scheme://domain:port` where each part may be missing or `*` (any), and the domain
 * may be `*.example.com` (the domain and its subdomains): `*`, `https://*`, `*:8080`,
 * `chrome-extension://*`, `about`, `*.superfish.com`, `localhost`. Comparison is case-insensitive.
 * A bare `*` source matches every report, even one without URIs.
 */
import { asString } from '../../protocol/json.js';
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { Filterable } from './filterable.js';

/** A parsed origin pattern or URL; `undefined` parts match anything. */
export interface SchemeDomainPort {
  scheme?: string;
  domain?: string;
  port?: string;
}

function normalizePart(part: string): string | undefined {
  return part === '*' ? undefined : part.toLowerCase();
}

/** Splits a URL or origin pattern into scheme, domain and port (Relay's `SchemeDomainPort`). */
export function parseSchemeDomainPort(url: string): SchemeDomainPort {
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd === -1 ? undefined : normalizePart(url.slice(0, schemeEnd));
  const rest = schemeEnd === -1 ? url : url.slice(schemeEnd + 3);
  const pathStart = rest.indexOf('/');
  const domainPort = pathStart === -1 ? rest : rest.slice(0, pathStart);
  const colon = domainPort.indexOf(':');
  const result: SchemeDomainPort = {};
  if (scheme !== undefined) result.scheme = scheme;
  const domain = normalizePart(colon === -1 ? domainPort : domainPort.slice(0, colon));
  if (domain !== undefined) result.domain = domain;
  if (colon !== -1) {
    const port = normalizePart(domainPort.slice(colon + 1));
    if (port !== undefined) result.port = port;
  }
  return result;
}

/** True when `url` satisfies any of `origins` (Relay's `matches_any_origin`). */
export function matchesAnyOrigin(url: string | undefined, origins: readonly SchemeDomainPort[]): boolean {
  if (origins.some((o) => o.scheme === undefined && o.domain === undefined && o.port === undefined))
    return true;
  if (url === undefined) return false;
  const parsed = parseSchemeDomainPort(url);
  for (const origin of origins) {
    if (origin.scheme !== undefined && parsed.scheme !== origin.scheme) continue;
    if (origin.port !== undefined && parsed.port !== origin.port) continue;
    if (origin.domain !== undefined && parsed.domain !== origin.domain) {
      const pattern = origin.domain;
      const domain = parsed.domain;
      if (
        domain !== undefined &&
        pattern.startsWith('*') &&
        (domain.endsWith(pattern.slice(1)) || domain === pattern.slice(2))
      ) {
        return true;
      }
      continue;
    }
    return true;
  }
  return false;
}

/** Applies the CSP filter with the parsed `disallowedSources`. */
export function cspFilter(item: Filterable, disallowed: readonly SchemeDomainPort[]): FilterVerdict {
  if (disallowed.length === 0) return KEEP;
  const csp = item.csp?.();
  if (!csp) return KEEP;
  if (matchesAnyOrigin(asString(csp.blocked_uri), disallowed)) return filteredBy('invalid-csp');
  if (matchesAnyOrigin(asString(csp.source_file), disallowed)) return filteredBy('invalid-csp');
  return KEEP;
}
