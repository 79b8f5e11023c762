/**
 * Legacy metric items (reference/relay-protocol.md §14.5): `statsd` (statsd-style lines) and
 * `metric_buckets` (a JSON list of buckets). Vigil stores no metrics, which is where Sentry is
 * too: custom metrics were removed, so a processing Relay filters every SDK-sent bucket of the
 * `custom` namespace as `filtered` / `disabled-namespace` in category `metric_bucket` (one per
 * bucket; `relay-server/src/services/processor/metrics.rs`, `apply_project_info`). Vigil counts
 * the buckets the same way for every namespace an SDK may send (`custom`, `sessions`,
 * `transactions`, `spans`), since none of them has a store here.
 *
 * Like Relay's parser (`relay-metrics`, `Bucket::parse_all`), lines that do not parse are skipped
 * without an outcome, buckets of other namespaces (`stats`, unknown) are dropped silently, and a
 * `metric_buckets` payload that is not a JSON list of buckets is dropped whole; neither item type
 * has a data category of its own (`Item::quantities` is empty), so nothing else is counted.
 * Pure: no I/O.
 */
import { isJsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import type { UnscopedOutcome } from '../../../protocol/outcome.js';

/** Namespaces external clients may send buckets in (`is_valid_namespace` for external sources). */
const SDK_NAMESPACES: ReadonlySet<string> = new Set(['custom', 'sessions', 'transactions', 'spans']);

const METRIC_TYPES: ReadonlySet<string> = new Set(['c', 'd', 's', 'g']);

/** The namespace of a statsd name or MRI name part (`[namespace/]name[@unit]`); default `custom`. */
function namespaceOf(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? 'custom' : name.slice(0, slash);
}

function isFiniteNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

/** Whether the values of a statsd line parse for its type. */
function validValues(type: string, values: string): boolean {
  const parts = values.split(':');
  switch (type) {
    case 'c':
    case 'g':
      return parts.length === 1 && isFiniteNumber(parts[0] as string);
    case 'd':
      return parts.every(isFiniteNumber);
    default:
      return parts.every((part) => part !== '');
  }
}

/** The namespace of one statsd line `name[@unit]:value[:value…]|type[|#tags][|T<ts>]`, if it parses. */
function parseStatsdLine(line: string): string | undefined {
  const [nameAndValues, type, ...rest] = line.split('|');
  if (nameAndValues === undefined || type === undefined || !METRIC_TYPES.has(type)) return undefined;
  const colon = nameAndValues.indexOf(':');
  if (colon <= 0 || !validValues(type, nameAndValues.slice(colon + 1))) return undefined;
  for (const part of rest) {
    if (part.startsWith('T') && !/^T\d+$/u.test(part)) return undefined;
  }
  return namespaceOf(nameAndValues.slice(0, colon));
}

/** The namespaces of the parseable buckets of a `statsd` payload, one per line. */
export function statsdBucketNamespaces(payload: Buffer): string[] {
  const namespaces: string[] = [];
  for (const raw of payload.toString('utf8').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const namespace = parseStatsdLine(line);
    if (namespace !== undefined) namespaces.push(namespace);
  }
  return namespaces;
}

/** The namespace of one JSON bucket (`{timestamp, width, name: "c:custom/foo@none", type, value}`). */
function bucketNamespace(bucket: JsonValue): string | undefined {
  if (!isJsonObject(bucket)) return undefined;
  const { name, type, timestamp, width, value } = bucket;
  if (typeof name !== 'string' || typeof type !== 'string' || !METRIC_TYPES.has(type)) return undefined;
  if (typeof timestamp !== 'number' || typeof width !== 'number' || value === undefined) return undefined;
  // An MRI: `<type>:<namespace>/<name>@<unit>`.
  const colon = name.indexOf(':');
  return namespaceOf(colon === -1 ? name : name.slice(colon + 1));
}

/** The namespaces of the buckets of a `metric_buckets` payload; `[]` when it is not a bucket list. */
export function metricBucketNamespaces(payload: Buffer): string[] {
  let root: unknown;
  try {
    root = parseJsonText(payload.toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(root)) return [];
  const namespaces: string[] = [];
  for (const bucket of root as JsonValue[]) {
    const namespace = bucketNamespace(bucket);
    if (namespace === undefined) return [];
    namespaces.push(namespace);
  }
  return namespaces;
}

/**
 * The outcome of one `statsd` or `metric_buckets` item: its buckets in SDK namespaces as one
 * `filtered` / `disabled-namespace` outcome in `metric_bucket`, or `undefined` when it has none.
 */
export function metricItemOutcome(
  itemType: 'statsd' | 'metric_buckets',
  payload: Buffer,
): UnscopedOutcome | undefined {
  const namespaces =
    itemType === 'statsd' ? statsdBucketNamespaces(payload) : metricBucketNamespaces(payload);
  const quantity = namespaces.filter((namespace) => SDK_NAMESPACES.has(namespace)).length;
  if (quantity === 0) return undefined;
  return { outcome: 'filtered', reason: 'disabled-namespace', category: 'metric_bucket', quantity };
}
