/**
 * Batching writer for one ClickHouse table. ClickHouse wants few, large inserts: every insert
 * writes at least one part that background merges must fold in later, so its docs recommend
 * 10 000–100 000 rows per insert and about one insert per second per table (ClickHouse docs,
 * "Bulk inserts" / "Selecting an insert strategy"); thousands of tiny inserts end in
 * TOO_MANY_PARTS. The sink turns a stream of small `push`es into such batches, keeps at most
 * one insert in flight, and never drops rows: a failed insert is retried with exponential
 * backoff while the rows stay buffered. A bounded buffer gives backpressure — `push` returns
 * false when full and the caller (the ingest queue) answers 503.
 *
 * Batches are also cut by approximate JSON size (`maxBatchBytes`): an insert's memory in the
 * engine is roughly 8–10× its JSON size (measured on chDB 26.7), which matters for embedded
 * chDB under its memory cap when events are large.
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** Options of {@link BatchSink}. Counts are rows, sizes bytes (approximate JSON), times milliseconds. */
export interface BatchSinkOptions<Row> {
  /** Where to insert: a `ClickHouseStore` (only `client.insert` is used, and only without `write`). */
  store: { client: Pick<ClickHouseClient, 'insert'> };
  /** Target table (trusted identifier, not user input). */
  table: string;
  /** Rows per insert at most; a full batch is inserted at once. Default 10 000. */
  maxRows?: number;
  /** Approximate JSON bytes per insert at most (a batch holds at least one row). Default 8 MiB. */
  maxBatchBytes?: number;
  /** Longest a row waits before a partial batch is inserted. Default 1000 ms. */
  maxDelayMs?: number;
  /** Rows buffered (including the batch in flight) before `push` refuses. Default 100 000. */
  maxBufferedRows?: number;
  /**
   * Approximate JSON bytes buffered before `push` refuses. Default 64 MiB. Bounds the heap when
   * events are large, where `maxBufferedRows` alone would not (100 000 rows of 100 KB is 10 GB).
   */
  maxBufferedBytes?: number;
  /** First retry delay after a failed insert; doubles per consecutive failure. Default 500 ms. */
  retryInitialDelayMs?: number;
  /** Cap on the retry delay. Default 30 000 ms. */
  retryMaxDelayMs?: number;
  /** Called after each failed insert (the rows stay buffered); `attempt` counts consecutive failures. */
  onError?: (error: Error, info: { table: string; rows: number; attempt: number }) => void;
  /** Size estimate of one row in bytes; default {@link approximateJsonBytes}. */
  estimateBytes?: (row: Row) => number;
  /**
   * Writes one batch; default `client.insert` of the rows as JSONEachRow objects. Use
   * {@link jsonLinesWriter} for rows that are already JSON text.
   */
  write?: (rows: Row[]) => Promise<void>;
}

/**
 * A batch writer for rows that are already JSONEachRow lines (strings without the newline),
 * so rows serialized on worker threads are not serialized again; see
 * `ClickHouseStore.insertJsonLines`.
 */
export function jsonLinesWriter(
  store: { insertJsonLines(table: string, lines: readonly string[]): Promise<void> },
  table: string,
): (lines: string[]) => Promise<void> {
  return (lines) => store.insertJsonLines(table, lines);
}

/**
 * A cheap over-approximation of `JSON.stringify(value).length` (UTF-16 units; escapes are not
 * counted), used to cut batches by size without serializing rows twice.
 */
export function approximateJsonBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
      return 24;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      let total = 2;
      if (Array.isArray(value)) {
        for (const item of value) total += approximateJsonBytes(item) + 1;
        return total;
      }
      for (const [key, item] of Object.entries(value)) total += key.length + 4 + approximateJsonBytes(item);
      return total;
    }
    default:
      return 0;
  }
}

/** Rejection of {@link pushWhenRoom} for a sink that was closed (shutdown) and takes no more rows. */
export class SinkClosedError extends Error {
  override name = 'SinkClosedError';
}

/**
 * Hands `rows` to `sink`, trying again every 20 ms while it refuses them (a full
 * {@link BatchSink}: back-pressure on the processing loop), and resolves once it took them.
 * `push` takes all rows or none, so a flush that clears its buffer after this resolves never
 * stores a row twice. Rejects with {@link SinkClosedError} (having pushed nothing) once the sink
 * is closed, which only happens at shutdown: the caller keeps its rows.
 */
export async function pushWhenRoom<Row>(
  sink: { push(rows: readonly Row[]): boolean; readonly closed?: boolean },
  rows: readonly Row[],
): Promise<void> {
  while (!sink.push(rows)) {
    if (sink.closed === true) throw new SinkClosedError('the sink is closed');
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Buffers rows and inserts them into one table in batches (`client.insert`, JSONEachRow).
 * A batch is sent when it reaches `maxRows` / `maxBatchBytes`, or `maxDelayMs` after the oldest
 * waiting row arrived. At most one insert is in flight; rows leave the buffer only once their
 * insert succeeded, so a failure loses nothing. Timers are unref'd: call `close()` at shutdown.
 */
export class BatchSink<Row extends object | string> {
  readonly #client: Pick<ClickHouseClient, 'insert'>;
  readonly #write: (rows: Row[]) => Promise<void>;
  readonly #table: string;
  readonly #maxRows: number;
  readonly #maxBatchBytes: number;
  readonly #maxDelayMs: number;
  readonly #maxBufferedRows: number;
  readonly #maxBufferedBytes: number;
  readonly #retryInitialDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #onError: BatchSinkOptions<Row>['onError'];
  readonly #estimateBytes: (row: Row) => number;

  #rows: Row[] = [];
  #sizes: number[] = [];
  #bytes = 0;
  /** Rows accepted / inserted since creation; rows are inserted in acceptance order. */
  #accepted = 0;
  #inserted = 0;
  #inFlight: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;
  /** Set by {@link liftBounds}: `push` no longer refuses for size. */
  #unbounded = false;
  #lastError: Error | undefined;

  constructor(options: BatchSinkOptions<Row>) {
    this.#client = options.store.client;
    this.#table = options.table;
    this.#maxRows = positive(options.maxRows, 10_000, 'maxRows');
    this.#maxBatchBytes = positive(options.maxBatchBytes, 8 * 1024 * 1024, 'maxBatchBytes');
    this.#maxDelayMs = nonNegative(options.maxDelayMs, 1000, 'maxDelayMs');
    this.#maxBufferedRows = positive(options.maxBufferedRows, 100_000, 'maxBufferedRows');
    this.#maxBufferedBytes = positive(options.maxBufferedBytes, 64 * 1024 * 1024, 'maxBufferedBytes');
    this.#retryInitialDelayMs = positive(options.retryInitialDelayMs, 500, 'retryInitialDelayMs');
    this.#retryMaxDelayMs = positive(options.retryMaxDelayMs, 30_000, 'retryMaxDelayMs');
    this.#onError = options.onError;
    this.#estimateBytes = options.estimateBytes ?? approximateJsonBytes;
    this.#write =
      options.write ??
      (async (values) => {
        await this.#client.insert({ table: this.#table, values, format: 'JSONEachRow' });
      });
  }

  /** Rows buffered and not yet inserted (including the batch in flight). */
  get pendingRows(): number {
    return this.#rows.length;
  }

  /** Error of the most recent failed insert; reset to undefined by the next successful insert. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** True once {@link close} was called: `push` refuses everything from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether {@link push} would take `rows` now (same rule, nothing queued), so a caller can hand
   * several sinks their rows in one step after checking each.
   */
  hasRoom(rows: readonly Row[]): boolean {
    if (this.#closed) return false;
    return this.#fits(rows.length, () => rows.reduce((sum, row) => sum + this.#estimateBytes(row), 0));
  }

  /**
   * Queues `rows` (all or none). Returns false — and queues nothing — when that would exceed
   * `maxBufferedRows` or `maxBufferedBytes` (a push into an empty buffer is always taken, so a
   * single oversized push cannot wedge the sink; after {@link liftBounds} every push is taken),
   * or when the sink is closed. On false the caller must back off (the ingest queue answers 503).
   * The rows must not be mutated afterwards.
   */
  push(rows: readonly Row[]): boolean {
    if (this.#closed) return false;
    if (rows.length === 0) return true;
    const sizes = rows.map((row) => this.#estimateBytes(row));
    const bytes = sizes.reduce((sum, size) => sum + size, 0);
    if (!this.#fits(rows.length, () => bytes)) return false;
    for (let i = 0; i < rows.length; i++) {
      this.#rows.push(rows[i] as Row);
      this.#sizes.push(sizes[i] ?? 0);
    }
    this.#bytes += bytes;
    this.#accepted += rows.length;
    this.#schedule();
    return true;
  }

  /**
   * Inserts every row pushed before the call, batch by batch, waiting for the insert in flight
   * first. Rejects with the insert's error as soon as one fails (the rows stay buffered and
   * background retries continue unless the sink is closed).
   */
  async flush(): Promise<void> {
    const target = this.#accepted;
    while (this.#inserted < target) {
      const ok = await (this.#inFlight ?? this.#startInsert());
      if (!ok) throw this.#lastError ?? new Error(`insert into ${this.#table} failed`);
    }
  }

  /**
   * Stops accepting rows and timers, then flushes. Rejects like `flush` when an insert fails;
   * the rows not inserted are then still counted in `pendingRows` but no longer retried (a later
   * `flush` tries once more). The synchronous part (refusing pushes) takes effect at the call.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    await this.flush();
  }

  /**
   * From now on `push` takes every batch whatever the buffered size. For shutdown: the input is
   * then bounded by what the envelope queue held, and no handler may be left between two pushes.
   */
  liftBounds(): void {
    this.#unbounded = true;
  }

  /**
   * After {@link close}: removes and returns the rows not inserted, oldest first, to be kept
   * elsewhere (the disk spool). Includes the batch of an insert still in flight, whose outcome is
   * unknown; the caller decides (shutdown spools it: a hung insert is treated as failed).
   * Throws when the sink is still open.
   */
  takeUnflushed(): Row[] {
    if (!this.#closed) throw new Error(`BatchSink(${this.#table}).takeUnflushed: close the sink first`);
    const rows = this.#rows;
    this.#rows = [];
    this.#sizes = [];
    this.#bytes = 0;
    this.#inserted = this.#accepted;
    return rows;
  }

  /** Whether `count` more rows of `bytes()` bytes fit in the buffer (see {@link push}). */
  #fits(count: number, bytes: () => number): boolean {
    if (this.#unbounded || this.#rows.length === 0 || count === 0) return true;
    if (this.#rows.length + count > this.#maxBufferedRows) return false;
    return this.#bytes + bytes() <= this.#maxBufferedBytes;
  }

  #batchIsFull(): boolean {
    return this.#rows.length >= this.#maxRows || this.#bytes >= this.#maxBatchBytes;
  }

  /** Arranges the next insert: now for a full batch, after `maxDelayMs` for a partial one. */
  #schedule(): void {
    if (this.#closed || this.#inFlight !== undefined || this.#rows.length === 0) return;
    if (this.#failures > 0) {
      // In backoff: the retry timer owns the next attempt.
      if (this.#timer === undefined) this.#setTimer(this.#retryDelay());
      return;
    }
    if (this.#batchIsFull()) {
      void this.#startInsert();
    } else if (this.#timer === undefined) {
      this.#setTimer(this.#maxDelayMs);
    }
  }

  #setTimer(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) void this.#startInsert();
    }, delayMs);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #retryDelay(): number {
    const exponent = Math.min(this.#failures - 1, 30);
    return Math.min(this.#retryMaxDelayMs, this.#retryInitialDelayMs * 2 ** exponent);
  }

  /** Starts inserting the head batch; resolves true on success, false on failure (never rejects). */
  #startInsert(): Promise<boolean> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (this.#rows.length === 0) return Promise.resolve(true);
    this.#clearTimer();
    const count = this.#headBatchSize();
    const values = this.#rows.slice(0, count);
    const attempt = this.#insert(values).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = attempt;
    void attempt.then((ok) => {
      if (this.#closed) return;
      if (ok) {
        this.#schedule();
      } else {
        this.#clearTimer();
        this.#setTimer(this.#retryDelay());
      }
    });
    return attempt;
  }

  #headBatchSize(): number {
    let count = 0;
    let bytes = 0;
    while (count < this.#rows.length && count < this.#maxRows) {
      bytes += this.#sizes[count] ?? 0;
      count += 1;
      if (bytes >= this.#maxBatchBytes) break;
    }
    return count;
  }

  async #insert(values: Row[]): Promise<boolean> {
    try {
      await this.#write(values);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#lastError = err;
      this.#failures += 1;
      try {
        this.#onError?.(err, { table: this.#table, rows: values.length, attempt: this.#failures });
      } catch {
        // A throwing error callback must not stop the retries.
      }
      return false;
    }
    this.#rows.splice(0, values.length);
    const sizes = this.#sizes.splice(0, values.length);
    for (const size of sizes) this.#bytes -= size;
    this.#inserted += values.length;
    this.#failures = 0;
    this.#lastError = undefined;
    return true;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`BatchSink: ${name} must be a positive number`);
  return v;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`BatchSink: ${name} must be >= 0`);
  return v;
}
