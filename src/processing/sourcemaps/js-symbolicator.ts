/**
 * The processing loop's JavaScript symbolication step (issue 5; reference/sentry-semantics.md
 * §9): for a batch of event payloads, before they go to the processing threads, resolves the
 * minified JavaScript frames of the events that need it and replaces their payloads with the
 * symbolicated event. Runs on the main thread because artifact lookups are asynchronous (the
 * metadata store); parsed source maps stay in an {@link ArtifactCache} across batches.
 *
 * Events that cannot need it cost a byte scan: only payloads mentioning a JavaScript platform
 * and a release or a `sourcemap` image are parsed, and only JavaScript events with handled
 * frames and a release or debug ids are symbolicated (see `symbolicate-event.ts`).
 */
import type { Logger } from 'pino';
import { isJsonObject } from '../../protocol/json.js';
import { parseJsonText } from '../../protocol/json.js';
import type { ArtifactSource } from './artifact-source.js';
import { ArtifactCache, BatchLookups, DEFAULT_ARTIFACT_CACHE_BYTES } from './artifacts.js';
import { symbolicateEvent } from './symbolicate-event.js';

/** An event on its way to the processing threads: its payload (replaced when symbolicated) and project. */
export interface SymbolicationWork {
  payload: Uint8Array;
  readonly ctx: { readonly projectId: number };
}

/** Options of a {@link JsSymbolicator}. */
export interface JsSymbolicatorOptions {
  /** Where lookup failures and symbolication bugs are logged; default: silent. */
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** Memory for parsed source maps and sources, bytes; default 256 MiB. */
  cacheBytes?: number;
  /**
   * Longest stretch of symbolication work, ms, before it lets the event loop run (ingest keeps
   * answering while a big batch is resolved); default 10.
   */
  yieldEveryMs?: number;
}

const JS_PLATFORM_MARKERS = [Buffer.from('"javascript"'), Buffer.from('"node"')];
const LOOKUP_KEY_MARKERS = [Buffer.from('"release"'), Buffer.from('"sourcemap"')];

/**
 * Whether the payload may hold a JavaScript event with something to look artifacts up by; a
 * byte scan, so that other events are never parsed here. False positives only cost a parse.
 */
export function mayNeedSymbolication(payload: Uint8Array): boolean {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return (
    JS_PLATFORM_MARKERS.some((marker) => bytes.includes(marker)) &&
    LOOKUP_KEY_MARKERS.some((marker) => bytes.includes(marker))
  );
}

/** Resolves minified JavaScript stack traces with the artifacts of an {@link ArtifactSource}. */
export class JsSymbolicator {
  private readonly cache: ArtifactCache;
  private readonly logger: JsSymbolicatorOptions['logger'];
  private readonly yieldEveryMs: number;
  private lastYield = performance.now();

  constructor(
    private readonly source: ArtifactSource,
    options: JsSymbolicatorOptions = {},
  ) {
    this.cache = new ArtifactCache(options.cacheBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES);
    this.logger = options.logger;
    this.yieldEveryMs = options.yieldEveryMs ?? 10;
  }

  /** Lets the event loop run once the work since it last did exceeds `yieldEveryMs`. */
  private async pace(): Promise<void> {
    if (performance.now() - this.lastYield < this.yieldEveryMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
  }

  /** Bytes of parsed artifacts currently cached. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /**
   * Symbolicates the works' events, replacing the payload of each event it changed with the
   * event's JSON. Never rejects: an event that fails (a bug) is logged and left as it came.
   */
  async symbolicate(works: readonly SymbolicationWork[]): Promise<void> {
    const lookups = new BatchLookups(this.source, (err, lookup) =>
      this.logger?.warn({ err, lookup }, 'artifact lookup failed; the file counts as missing'),
    );
    await Promise.all(
      works.map(async (work) => {
        if (!mayNeedSymbolication(work.payload)) return;
        // Lookups answered from memory never leave the microtask queue: without this, a batch
        // would hold the event loop for all of its events.
        await this.pace();
        try {
          const bytes = Buffer.from(work.payload.buffer, work.payload.byteOffset, work.payload.byteLength);
          let event: unknown;
          try {
            event = parseJsonText(bytes.toString('utf8'));
          } catch {
            return; // invalid JSON: the pipeline drops it as invalid_json
          }
          if (!isJsonObject(event)) return;
          const changed = await symbolicateEvent(event, {
            projectId: work.ctx.projectId,
            lookups,
            cache: this.cache,
          });
          if (changed) work.payload = Buffer.from(JSON.stringify(event));
        } catch (err) {
          this.logger?.error({ err }, 'JavaScript symbolication failed; event processed unsymbolicated');
        }
      }),
    );
  }
}
