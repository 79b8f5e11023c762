// The artifact lookups of processing threads over a real MessageChannel: the thread's
// ArtifactLookupClient on one port, the main thread's ArtifactLookupServer on the other.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ArtifactFile, ArtifactSource } from './artifact-source.js';
import type { ArtifactAnswerMessage, ArtifactLookupMessage } from './artifact-rpc.js';
import { ArtifactLookupServer } from './artifact-lookup-server.js';
import { MemoryArtifactSource } from './memory-artifact-source.js';
import { ArtifactLookupClient } from './remote-artifact-source.js';
import { CountingArtifactSource } from '../../../tests/helpers/counting-artifact-source.js';

const DEBUG_ID = '2f0c3bd5-9a3e-4b8d-8c3e-7d3c6b1f0a11';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** A thread's client connected to `server` over a MessageChannel; records the messages it sends and gets. */
function connect(server: ArtifactLookupServer): {
  client: ArtifactLookupClient;
  sent: ArtifactLookupMessage[];
  answered: ArtifactAnswerMessage[];
  /** Per answer message, the transferred buffers' byte lengths once posted (0: detached, so moved). */
  transferred: number[][];
} {
  const { port1: main, port2: thread } = new MessageChannel();
  ports.push(main, thread);
  const sent: ArtifactLookupMessage[] = [];
  const answered: ArtifactAnswerMessage[] = [];
  const transferred: number[][] = [];
  main.on('message', (message: ArtifactLookupMessage) => {
    void server.answer(message.requests).then(({ answers, transfer }) => {
      main.postMessage({ type: 'artifact-answer', id: message.id, answers }, transfer);
      transferred.push(transfer.map((buffer) => buffer.byteLength));
    });
  });
  const client = new ArtifactLookupClient((message) => {
    sent.push(message);
    thread.postMessage(message);
  });
  thread.on('message', (message: ArtifactAnswerMessage) => {
    answered.push(message);
    client.receive(message);
  });
  return { client, sent, answered, transferred };
}

function memorySource(map = '{"version":3}'): MemoryArtifactSource {
  const memory = new MemoryArtifactSource();
  memory.add({
    projectId: 1,
    release: 'shop@1',
    files: [
      { url: '~/main.min.js', type: 'minified_source', headers: { 'debug-id': DEBUG_ID }, content: 'min();' },
      { url: '~/main.min.js.map', type: 'source_map', headers: { 'debug-id': DEBUG_ID }, content: map },
    ],
  });
  return memory;
}

describe('artifact lookups over a message port', () => {
  it('sends the lookups of one tick in one message and resolves them with the files', async () => {
    const server = new ArtifactLookupServer(memorySource());
    const { client, sent } = connect(server);
    server.begin(1);
    const source = client.source(1);
    const [map, minified, missing] = await Promise.all([
      source.byDebugId(1, DEBUG_ID, 'source_map'),
      source.byUrl(1, 'shop@1', undefined, 'http://host/main.min.js'),
      source.byUrl(1, 'shop@1', undefined, 'http://host/other.js'),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.requests.map((r) => r.kind)).toEqual(['debug-id', 'url', 'url']);
    expect(map?.content.toString()).toBe('{"version":3}');
    expect([map?.type, map?.resolvedWith, map?.headers['debug-id']]).toEqual([
      'source_map',
      'debug-id',
      DEBUG_ID,
    ]);
    expect([minified?.url, minified?.content.toString(), minified?.resolvedWith]).toEqual([
      '~/main.min.js',
      'min();',
      'release',
    ]);
    expect(missing).toBeUndefined();
  });

  it('asks the source once per distinct lookup of a run, whichever thread asks', async () => {
    const counting = new CountingArtifactSource(memorySource());
    const server = new ArtifactLookupServer(counting);
    const threads = [connect(server), connect(server)];
    server.begin(7);
    await Promise.all(threads.map(({ client }) => client.source(7).byDebugId(1, DEBUG_ID, 'source_map')));
    expect(counting.calls).toEqual([`${DEBUG_ID} source_map`]);
    server.end(7);
    server.begin(8);
    await threads[0]!.client.source(8).byDebugId(1, DEBUG_ID, 'source_map');
    expect(counting.calls).toHaveLength(2);
  });

  it("transfers a file's bytes to a thread once, and again only when they change", async () => {
    const memory = memorySource();
    const server = new ArtifactLookupServer(memory);
    const { client, answered, transferred } = connect(server);
    const lookup = (run: number): Promise<ArtifactFile | undefined> => {
      server.begin(run);
      return client.source(run).byDebugId(1, DEBUG_ID, 'source_map');
    };
    const first = await lookup(1);
    const firstAnswer = answered.at(-1)!.answers[0]!;
    // Moved, not cloned: the main thread's copy is detached, the thread owns exactly the file's bytes.
    expect(transferred.at(-1)).toEqual([0]);
    expect(firstAnswer.content?.byteLength).toBe(first!.content.byteLength);
    const second = await lookup(2);
    expect(answered.at(-1)!.answers[0]).not.toHaveProperty('content');
    expect(transferred.at(-1)).toEqual([]);
    // The same buffer, so the thread's cache knows the parsed map without comparing bytes.
    expect(second!.content).toBe(first!.content);
    // A re-upload: another content, sent again.
    memory.add({
      projectId: 1,
      files: [
        {
          url: '~/x.map',
          type: 'source_map',
          headers: { 'debug-id': DEBUG_ID },
          content: '{"version":3,"x":1}',
        },
      ],
    });
    const third = await lookup(3);
    expect(third!.content.toString()).toBe('{"version":3,"x":1}');
    expect(answered.at(-1)!.answers[0]!.content).toBeDefined();
  });

  it('answers a failing lookup as not found and logs it on the main thread', async () => {
    const failing: ArtifactSource = {
      byDebugId: () => Promise.reject(new Error('metadata store down')),
      byUrl: () => Promise.reject(new Error('metadata store down')),
    };
    const logger = { warn: vi.fn() };
    const server = new ArtifactLookupServer(failing, logger);
    const { client } = connect(server);
    await expect(client.source(1).byDebugId(1, DEBUG_ID, 'source_map')).resolves.toBeUndefined();
    expect(logger.warn).toHaveBeenCalledOnce();
  });
});
