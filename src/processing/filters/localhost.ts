/**
 * The localhost filter (stat key `localhost`), following `relay-filter/src/localhost.rs`.
 *
 * An item is local when its user IP is `127.0.0.1` or `::1`; or its URL uses the `file` scheme
 * or has the host `127.0.0.1`, `localhost` or a subdomain of those (`foo.localhost`, not
 * `localhost.com`); or its `X-Forwarded-For` request header is exactly `127.0.0.1` / `::1`; or,
 * only when the item has no (parseable) URL, its `Host` / `X-Forwarded-Host` header names
 * `localhost` or `127.0.0.1` (port ignored).
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { ToggleFilterConfig } from './config.js';
import type { Filterable } from './filterable.js';

const LOCAL_IPS: readonly string[] = ['127.0.0.1', '::1'];
const LOCAL_DOMAINS: readonly string[] = ['127.0.0.1', 'localhost'];

function parseUrl(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function hostMatchesOrIsSubdomainOf(host: string, domain: string): boolean {
  if (!host.endsWith(domain)) return false;
  const rest = host.slice(0, host.length - domain.length);
  return rest === '' || rest.endsWith('.');
}

/** True when the item originates from the local machine. */
export function isLocalhost(item: Filterable): boolean {
  const ip = item.ipAddr?.();
  if (ip !== undefined && LOCAL_IPS.includes(ip)) return true;

  const url = parseUrl(item.url?.());
  if (url) {
    if (url.protocol === 'file:') return true;
    const host = url.hostname;
    if (host !== '' && LOCAL_DOMAINS.some((d) => hostMatchesOrIsSubdomainOf(host, d))) return true;
  }

  const forwardedFor = item.header?.('X-Forwarded-For');
  if (forwardedFor !== undefined && LOCAL_IPS.includes(forwardedFor)) return true;

  if (!url) {
    for (const name of ['Host', 'X-Forwarded-Host']) {
      const value = item.header?.(name);
      if (value !== undefined && LOCAL_DOMAINS.includes(value.split(':')[0] ?? '')) return true;
    }
  }
  return false;
}

/** Applies the localhost filter when enabled. */
export function localhostFilter(item: Filterable, config: ToggleFilterConfig): FilterVerdict {
  return config.isEnabled && isLocalhost(item) ? filteredBy('localhost') : KEEP;
}
