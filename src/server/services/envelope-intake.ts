/**
 * Where the ingest edge hands accepted envelopes (issue 4, "Surviving overload and faults"),
 * modelled on Relay's envelope buffer, which keeps envelopes in memory and spills them to disk
 * when memory is full (relay-server `services/buffer/`, `spool.envelopes.max_disk_size`):
 *
 * - The healthy path is the bounded in-memory {@link EnvelopeQueue}: no disk I/O per request.
 * - While a store is failing (an insert or a metadata round trip is being retried), and whenever
 *   the queue is full (processing is behind: ClickHouse is slow), an accepted envelope is
 *   appended to the {@link DiskSpool} instead (one write and one fsync) and still answered 200,
 *   so what arrives during an outage survives even a crash. While the spool holds anything, new
 *   envelopes go there too, so envelopes are processed roughly in arrival order.
 * - The edge answers 503 only when the spool is full too (`spool.maxDiskSize`) or the process is
 *   above its memory ceiling ({@link MemoryWatch}); {@link hasCapacity} says so before a body is read.
 * - A replay loop moves spooled records back while the stores work: envelopes into the queue
 *   (with their project config looked up again by public key), rows into their table's sink —
 *   always a whole spool batch at once, so a batch is never half in memory and half on disk. It
 *   runs from startup, which is how a restart replays what the previous run spooled at shutdown.
 *
 * A replayed envelope whose DSN key is gone is processed with {@link DEFAULT_PROJECT_CONFIG} if
 * its project still exists (it was accepted for that project); if the project is gone too its
 * items are dropped with `invalid` outcomes, reason `project_id` (Relay's `DiscardReason::ProjectId`
 * for buffered envelopes of a project that no longer exists), since nothing could store them.
 */
import type { Logger } from 'pino';
import type { AcceptedEnvelope, EnvelopeQueue, ProjectKeyInfo } from '../ingest/index.js';
import { frameBytes, type DiskSpool, type SpoolRecord } from '../../storage/spool/index.js';
import type { Outcome } from '../../protocol/outcome.js';
import { DEFAULT_PROJECT_CONFIG } from '../../processing/project-config/index.js';
import { eventCategory, itemQuantities } from '../../quotas/index.js';
import { envelopeRecord, readSpoolRecord, rowsRecord, type SpooledEnvelope } from './spool-records.js';
import { outcomeScoping } from './envelope-processor.js';

/** A sink as the replay loop uses it: check first, then push (see `BatchSink`). */
export interface ReplaySink {
  hasRoom(rows: readonly string[]): boolean;
  push(rows: readonly string[]): boolean;
}

/** Collaborators of {@link EnvelopeIntake}. */
export interface EnvelopeIntakeDeps {
  queue: EnvelopeQueue;
  spool: DiskSpool;
  /** The process's memory ceiling; above it the edge is refused and replay pauses. */
  memory: { readonly overLimit: boolean };
  /** True while a store is failing: envelopes go to disk and replay pauses. Default never. */
  storesFailing?: () => boolean;
  /** The edge's (cached) key lookup; gives a replayed envelope its project config. Rejects when the store is down. */
  lookupKey(publicKey: string): Promise<ProjectKeyInfo | undefined>;
  /** Whether a project still exists (asked only for envelopes whose key is gone). Rejects when the store is down. */
  projectExists(projectId: number): Promise<boolean>;
  /** The sink of each table, for replayed rows. */
  sinks: ReadonlyMap<string, ReplaySink>;
  outcomes: { record(outcome: Outcome): void };
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Records per replay batch at most; default 500 (the processor's batch), at most the queue's `maxEnvelopes`. */
  batchSize?: number;
  /** Payload bytes per replay batch at most (at least one record); default 8 MiB. */
  batchBytes?: number;
  /** How often a waiting replay looks again (ms); default 20. */
  pollMs?: number;
}

/** Rejection inside the replay loop once {@link EnvelopeIntake.stop} was called. */
class IntakeStopped extends Error {
  override name = 'IntakeStopped';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The edge's `enqueue`/`hasCapacity`, the spool's replay loop, and spooling at shutdown. */
export class EnvelopeIntake {
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Frame bytes of the last envelope the spool refused for lack of room; 0 once one fits again. */
  private refusedBytes = 0;
  private wakeLoop: (() => void) | undefined;

  constructor(private readonly deps: EnvelopeIntakeDeps) {}

  /**
   * True while the spool turns envelopes away: its last refused envelope still would not fit.
   * The readiness check reports not ready then, and the edge answers 503.
   */
  get spoolFull(): boolean {
    const { spool } = this.deps;
    return this.refusedBytes > 0 && spool.bytes + this.refusedBytes > spool.maxBytes;
  }

  /** True when nothing waits on disk and no replayed batch is in between (for `flush`). */
  get spoolEmpty(): boolean {
    return this.deps.spool.empty;
  }

  /**
   * False when the edge should answer 503 without reading the body: above the memory ceiling,
   * or when the queue is full (or backlogged) and the spool is full.
   */
  hasCapacity(): boolean {
    if (this.deps.memory.overLimit) return false;
    if (this.deps.spool.empty && !this.deps.queue.isFull && !this.storesFailing()) return true;
    return !this.spoolFull;
  }

  /**
   * Takes an accepted envelope: into the queue when it has room and nothing is spooled, else onto
   * the disk spool. False (→ 503) above the memory ceiling, when the spool is full, or when the
   * spool cannot be written (disk error, logged).
   */
  enqueue(accepted: AcceptedEnvelope): boolean {
    if (this.deps.memory.overLimit) return false;
    if (this.deps.spool.empty && !this.storesFailing() && this.deps.queue.push(accepted)) return true;
    return this.append([envelopeRecord(accepted)]);
  }

  private storesFailing(): boolean {
    return this.deps.storesFailing?.() ?? false;
  }

  /** Whether the replay loop should hold back: above the memory ceiling or while a store fails. */
  private replayPaused(): boolean {
    return this.deps.memory.overLimit || this.storesFailing();
  }

  /**
   * Spools envelopes that must outlive the process (shutdown: the queue's remainder and the
   * unprocessed part of the batch in flight), past the spool's size limit if need be: losing
   * them would be worse. Returns false (logged) only when the disk cannot be written.
   */
  spoolEnvelopes(envelopes: readonly AcceptedEnvelope[]): boolean {
    if (envelopes.length === 0) return true;
    const ok = this.append(envelopes.map(envelopeRecord), true);
    if (!ok)
      this.deps.logger.error({ envelopes: envelopes.length }, 'envelopes could not be spooled and are lost');
    return ok;
  }

  /** Spools rows a sink could not insert (shutdown), like {@link spoolEnvelopes}. */
  spoolRows(table: string, rows: readonly string[]): boolean {
    if (rows.length === 0) return true;
    const ok = this.append([rowsRecord(table, rows)], true);
    if (!ok) this.deps.logger.error({ table, rows: rows.length }, 'rows could not be spooled and are lost');
    return ok;
  }

  /** Starts the replay loop (idempotent). */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops the replay loop and resolves once it stopped. A batch being replayed is either
   * completely in the queue and the sinks (and checkpointed) or still completely on disk.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeLoop?.();
    await this.loop;
  }

  private append(records: SpoolRecord[], force = false): boolean {
    try {
      if (this.deps.spool.append(records, { force })) {
        this.refusedBytes = 0;
        this.wakeLoop?.();
        return true;
      }
      this.refusedBytes = frameBytes(records);
      return false;
    } catch (err) {
      this.deps.logger.error({ err }, 'the disk spool cannot be written');
      return false;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.deps.spool.empty || this.replayPaused()) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
          setTimeout(resolve, 100);
        });
        this.wakeLoop = undefined;
        continue;
      }
      try {
        await this.deps.spool.drain(
          (records) => this.replay(records),
          // A batch must fit into the queue at once.
          Math.min(this.deps.batchSize ?? 500, this.deps.queue.maxEnvelopes),
          this.deps.batchBytes ?? 8 * 2 ** 20,
        );
        failures = 0;
      } catch (err) {
        if (err instanceof IntakeStopped) return;
        failures++;
        this.deps.logger.warn({ err, attempt: failures }, 'replaying the spool failed; retrying');
        await sleep(Math.min(5000, 100 * 2 ** failures));
      }
    }
  }

  /** Moves one spool batch into the queue and the sinks, all of it at once; rejects to keep it spooled. */
  private async replay(records: SpoolRecord[]): Promise<void> {
    const envelopes: AcceptedEnvelope[] = [];
    const rows = new Map<string, string[]>();
    for (const record of records) {
      const item = readSpoolRecord(record);
      if (item.kind === 'invalid') {
        this.deps.logger.error({ reason: item.reason }, 'unreadable spool record skipped');
      } else if (item.kind === 'rows') {
        if (!this.deps.sinks.has(item.table)) {
          this.deps.logger.error(
            { table: item.table, rows: item.rows.length },
            'spooled rows for an unknown table skipped',
          );
          continue;
        }
        const list = rows.get(item.table) ?? [];
        for (const row of item.rows) list.push(row);
        rows.set(item.table, list);
      } else {
        const accepted = await this.resolve(item.accepted);
        if (accepted) envelopes.push(accepted);
      }
    }
    for (;;) {
      if (this.stopping) throw new IntakeStopped('the intake is stopping');
      const sinksHaveRoom = [...rows].every(([table, list]) => this.deps.sinks.get(table)!.hasRoom(list));
      // pushAll is all-or-nothing and sink pushes cannot fail after hasRoom: one synchronous step.
      if (!this.replayPaused() && sinksHaveRoom && this.deps.queue.pushAll(envelopes)) {
        for (const [table, list] of rows) this.deps.sinks.get(table)!.push(list);
        return;
      }
      await sleep(this.deps.pollMs ?? 20);
    }
  }

  /** Gives a spooled envelope its project config again, or drops it when its project is gone. */
  private async resolve(spooled: SpooledEnvelope): Promise<AcceptedEnvelope | undefined> {
    const key = await this.deps.lookupKey(spooled.publicKey);
    if (key) return { ...spooled, config: key.config };
    if (await this.deps.projectExists(spooled.projectId)) {
      this.deps.logger.warn(
        { projectId: spooled.projectId },
        'the DSN key of a spooled envelope is gone; processing it with the default project config',
      );
      return { ...spooled, config: DEFAULT_PROJECT_CONFIG };
    }
    this.deps.logger.warn(
      { projectId: spooled.projectId },
      'a spooled envelope belongs to a deleted project; dropped',
    );
    const scoping = outcomeScoping(spooled);
    for (const item of spooled.envelope.items) {
      const quantities = itemQuantities(item);
      const event = eventCategory(item);
      if (event !== undefined && item.headers.type !== 'attachment') quantities.push([event, 1]);
      for (const [category, quantity] of quantities) {
        this.deps.outcomes.record({ outcome: 'invalid', reason: 'project_id', category, quantity, scoping });
      }
    }
    return undefined;
  }
}
