import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EnvelopeQueue, type AcceptedEnvelope, type ProjectKeyInfo } from '../ingest/index.js';
import { DiskSpool } from '../../storage/spool/index.js';
import { DEFAULT_PROJECT_CONFIG, type ProjectConfig } from '../../processing/project-config/index.js';
import { EnvelopeIntake, type EnvelopeIntakeDeps, type ReplaySink } from './envelope-intake.js';
import { OutcomeCounter } from './outcome-counter.js';
import { acceptedEnvelope } from './test-envelope.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const intakes: EnvelopeIntake[] = [];
afterEach(async () => {
  for (const intake of intakes.splice(0)) await intake.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The project config the key lookup answers with: distinguishable from the default. */
const KEY_CONFIG = { ...DEFAULT_PROJECT_CONFIG, source: 'from the key lookup' } as unknown as ProjectConfig;

function keyInfo(publicKey: string): ProjectKeyInfo {
  return { keyId: 1, publicKey, projectId: 1, organizationId: 1, isActive: true, config: KEY_CONFIG };
}

/** An accepted envelope carrying one event item whose payload names it. */
function event(name: string, over: Partial<AcceptedEnvelope> = {}): AcceptedEnvelope {
  const payload = Buffer.from(JSON.stringify({ message: name }));
  return {
    ...acceptedEnvelope({
      headers: { event_id: 'f'.repeat(32), sent_at: '2024-01-01T00:00:00Z' },
      items: [{ headers: { type: 'event' }, payload }],
      meta: { receivedAt: 1700000000.25, clientIp: '10.0.0.1', userAgent: 'sentry.javascript.node/9' },
    }),
    sizeBytes: payload.length,
    ...over,
  };
}

const names = (list: AcceptedEnvelope[]): string[] =>
  list.map((e) => (JSON.parse(e.envelope.items[0]!.payload.toString()) as { message: string }).message);

function setup(options: { maxEnvelopes?: number; maxDiskSize?: number; dir?: string } = {}) {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'vigil-intake-'));
  if (!options.dir) dirs.push(dir);
  const queue = new EnvelopeQueue({ maxEnvelopes: options.maxEnvelopes ?? 2, maxBytes: 1e6 });
  const spool = new DiskSpool({ dir, maxBytes: options.maxDiskSize ?? 2 ** 20 });
  const memory = { overLimit: false };
  const sunk = new Map<string, string[]>();
  const sink = (table: string): ReplaySink => ({
    hasRoom: () => true,
    push: (rows) => (sunk.set(table, [...(sunk.get(table) ?? []), ...rows]), true),
  });
  const outcomes = new OutcomeCounter();
  const deps: EnvelopeIntakeDeps = {
    queue,
    spool,
    memory,
    lookupKey: vi.fn(async (key: string) => keyInfo(key)),
    projectExists: vi.fn(async () => true),
    sinks: new Map([['logs', sink('logs')]]),
    outcomes,
    logger,
    pollMs: 5,
  };
  const intake = new EnvelopeIntake(deps);
  intakes.push(intake);
  return { dir, queue, spool, memory, sunk, outcomes, deps, intake };
}

/** Takes from the queue until `n` envelopes came out (the replay loop refills it). */
async function takeAll(queue: EnvelopeQueue, n: number): Promise<AcceptedEnvelope[]> {
  const taken: AcceptedEnvelope[] = [];
  await vi.waitFor(() => {
    taken.push(...queue.take(100));
    expect(taken.length).toBe(n);
  });
  return taken;
}

describe('EnvelopeIntake', () => {
  it('uses only the queue while it has room: nothing is written to disk', () => {
    const { intake, queue, spool, dir } = setup();
    expect(intake.enqueue(event('a'))).toBe(true);
    expect(intake.enqueue(event('b'))).toBe(true);
    expect(names(queue.take(10))).toEqual(['a', 'b']);
    expect(spool.empty).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('spools when the queue is full, keeps arrival order, and replays with the config looked up again', async () => {
    const { intake, queue, spool, deps } = setup();
    for (const name of ['a', 'b', 'c', 'd']) expect(intake.enqueue(event(name))).toBe(true);
    expect(queue.size).toBe(2);
    expect(spool.empty).toBe(false);
    queue.take(1); // room again, but 'e' must queue behind the spooled c and d
    expect(intake.enqueue(event('e'))).toBe(true);
    expect(queue.size).toBe(1);
    intake.start();
    const replayed = await takeAll(queue, 4);
    expect(names(replayed)).toEqual(['b', 'c', 'd', 'e']);
    const [, c] = replayed;
    expect(c!.config).toBe(KEY_CONFIG);
    expect(deps.lookupKey).toHaveBeenCalledWith('a'.repeat(32));
    const original = event('c');
    expect({ ...c, config: undefined }).toEqual({
      ...original,
      envelope: {
        headers: original.envelope.headers,
        items: [{ ...original.envelope.items[0], headers: { type: 'event', length: original.sizeBytes } }],
      },
      config: undefined,
    });
    await vi.waitFor(() => expect(spool.empty).toBe(true));
    expect(intake.enqueue(event('f'))).toBe(true);
    expect(spool.empty).toBe(true);
  });

  it('answers false when the spool is full too, and reports it until the spool has room again', async () => {
    const { intake, queue } = setup({ maxEnvelopes: 1, maxDiskSize: 1000 });
    let accepted = 0;
    while (intake.enqueue(event(`e${accepted}`))) accepted++;
    expect(accepted).toBeGreaterThan(2);
    expect(intake.spoolFull).toBe(true);
    expect(intake.hasCapacity()).toBe(false);
    intake.start();
    const replayed = await takeAll(queue, accepted);
    expect(names(replayed)).toEqual(Array.from({ length: accepted }, (_, i) => `e${i}`));
    expect(intake.spoolFull).toBe(false);
    expect(intake.hasCapacity()).toBe(true);
  });

  it('spools while a store is failing even if the queue has room, and replays once it works again', async () => {
    const { intake, queue, deps, spool } = setup({ maxEnvelopes: 10 });
    let failing = true;
    deps.storesFailing = () => failing;
    expect(intake.enqueue(event('a'))).toBe(true);
    expect(queue.size).toBe(0);
    expect(spool.empty).toBe(false);
    intake.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(queue.size).toBe(0);
    failing = false;
    expect(names(await takeAll(queue, 1))).toEqual(['a']);
    expect(intake.enqueue(event('b'))).toBe(true);
    expect(names(queue.take(1))).toEqual(['b']);
  });

  it('refuses everything above the memory ceiling and pauses the replay', async () => {
    const { intake, queue, memory, spool } = setup({ maxEnvelopes: 1 });
    intake.enqueue(event('a'));
    intake.enqueue(event('b'));
    memory.overLimit = true;
    expect(intake.hasCapacity()).toBe(false);
    expect(intake.enqueue(event('c'))).toBe(false);
    intake.start();
    expect(names(queue.take(1))).toEqual(['a']);
    await new Promise((r) => setTimeout(r, 150));
    expect(queue.size).toBe(0);
    expect(spool.empty).toBe(false);
    memory.overLimit = false;
    expect(names(await takeAll(queue, 1))).toEqual(['b']);
  });

  it('keeps a batch on disk while its keys cannot be looked up, and replays it later', async () => {
    const { intake, queue, deps, spool } = setup({ maxEnvelopes: 1 });
    intake.enqueue(event('a'));
    intake.enqueue(event('b'));
    let down = true;
    deps.lookupKey = vi.fn(async (key: string) => {
      if (down) throw new Error('metadata store down');
      return keyInfo(key);
    });
    queue.take(1);
    intake.start();
    await vi.waitFor(() => expect(deps.lookupKey).toHaveBeenCalled());
    expect(queue.size).toBe(0);
    expect(spool.empty).toBe(false);
    down = false;
    expect(names(await takeAll(queue, 1))).toEqual(['b']);
  });

  it('moves a replayed batch whole: stopped while waiting for room, it stays on disk and is not queued twice', async () => {
    const first = setup({ maxEnvelopes: 2 });
    for (const name of ['a', 'b', 'c', 'd']) first.intake.enqueue(event(name));
    first.intake.start();
    await new Promise((r) => setTimeout(r, 100)); // the queue stays full: c, d wait for room
    await first.intake.stop();
    expect(names(first.queue.take(10))).toEqual(['a', 'b']);
    first.spool.close();
    const second = setup({ maxEnvelopes: 10, dir: first.dir });
    second.intake.start();
    expect(names(await takeAll(second.queue, 2))).toEqual(['c', 'd']);
  });

  it('spools at shutdown past the size limit, rows included, and a new start replays them', async () => {
    const first = setup({ maxEnvelopes: 1, maxDiskSize: 10 });
    expect(first.intake.enqueue(event('queued'))).toBe(true);
    expect(first.intake.enqueue(event('refused'))).toBe(false);
    expect(first.intake.spoolEnvelopes(first.queue.take(10))).toBe(true);
    expect(first.intake.spoolRows('logs', ['{"body":"one"}', '{"body":"two"}'])).toBe(true);
    expect(first.intake.spoolRows('no_such_table', ['{}'])).toBe(true);
    first.spool.close();
    const second = setup({ maxEnvelopes: 10, dir: first.dir });
    second.intake.start();
    expect(names(await takeAll(second.queue, 1))).toEqual(['queued']);
    await vi.waitFor(() => expect(second.spool.empty).toBe(true));
    expect(second.sunk.get('logs')).toEqual(['{"body":"one"}', '{"body":"two"}']);
    expect([...second.sunk.keys()]).toEqual(['logs']);
  });

  it('replays an envelope whose key is gone with the default config, and drops one of a deleted project', async () => {
    const { intake, queue, deps, outcomes } = setup({ maxEnvelopes: 1 });
    const gone = 'b'.repeat(32);
    deps.lookupKey = vi.fn(async (key: string) => (key === gone ? undefined : keyInfo(key)));
    deps.projectExists = vi.fn(async (id: number) => id === 1);
    intake.enqueue(event('blocker'));
    intake.enqueue(event('key gone', { publicKey: gone }));
    const attachment = { headers: { type: 'attachment' }, payload: Buffer.from('0123456789') };
    const orphan = event('project gone', { publicKey: gone, projectId: 99 });
    orphan.envelope.items.push(attachment);
    intake.enqueue(orphan);
    queue.take(1);
    intake.start();
    const [replayed] = await takeAll(queue, 1);
    expect(names([replayed!])).toEqual(['key gone']);
    expect(replayed!.config).toBe(DEFAULT_PROJECT_CONFIG);
    await vi.waitFor(() => expect(outcomes.total('invalid', undefined, 'project_id')).toBeGreaterThan(0));
    expect(outcomes.total('invalid', 'error', 'project_id')).toBe(1);
    expect(outcomes.total('invalid', 'attachment', 'project_id')).toBe(10);
    expect(outcomes.total('invalid', 'attachment_item', 'project_id')).toBe(1);
    expect(deps.projectExists).toHaveBeenCalledWith(99);
  });
});
