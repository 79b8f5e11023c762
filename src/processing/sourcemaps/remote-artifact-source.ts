/**
 * A processing thread's side of the artifact lookups (`artifact-rpc.ts`): an
 * {@link ArtifactSource} per run whose lookups are sent to the main thread, all those made in one
 * tick in one message (a batch's events start their lookups together, see `symbolicate-event.ts`).
 * It remembers, per lookup, the content it last received, so an unchanged file's bytes are not
 * sent again: the same buffer is handed back, and the thread's `ArtifactCache` recognizes it
 * without comparing bytes. What it remembers is held weakly, so it never keeps a file alive that
 * the cache let go.
 */
import type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
import {
  lookupKey,
  type ArtifactAnswerMessage,
  type ArtifactLookupAnswer,
  type ArtifactLookupMessage,
  type ArtifactLookupRequest,
} from './artifact-rpc.js';
import { BoundedCache } from '../grouping/bounded-cache.js';

/** A lookup waiting for its answer, with the content it said it holds. */
interface PendingLookup {
  request: ArtifactLookupRequest;
  held: Buffer | undefined;
  resolve: (file: ArtifactFile | undefined) => void;
  reject: (err: Error) => void;
}

/** Contents remembered per lookup (entries are small: an id and a weak reference). */
const KNOWN_CONTENTS = 4096;

/** Sends lookups to the main thread and resolves them with its answers. */
export class ArtifactLookupClient {
  private queued: PendingLookup[] = [];
  private readonly inFlight = new Map<number, PendingLookup[]>();
  private readonly known = new BoundedCache<string, { contentId: number; content: WeakRef<Buffer> }>(
    KNOWN_CONTENTS,
  );
  private nextId = 1;

  /** `post` sends a message to the main thread (`parentPort.postMessage`). */
  constructor(private readonly post: (message: ArtifactLookupMessage) => void) {}

  /** The artifact source of run `batch`. */
  source(batch: number): ArtifactSource {
    return {
      byDebugId: (projectId: number, debugId: string, fileType: ArtifactFileType) =>
        this.lookup({ kind: 'debug-id', batch, projectId, debugId, fileType }),
      byUrl: (projectId: number, release: string, dist: string | undefined, url: string) =>
        this.lookup({ kind: 'url', batch, projectId, release, dist, url }),
    };
  }

  /** Resolves the lookups of an answer message (unknown ids are ignored). */
  receive(message: ArtifactAnswerMessage): void {
    const pending = this.inFlight.get(message.id);
    if (pending === undefined) return;
    this.inFlight.delete(message.id);
    for (const [i, lookup] of pending.entries()) {
      const answer = message.answers[i];
      if (answer === undefined) lookup.reject(new Error('artifact lookup without an answer'));
      else this.settle(lookup, answer);
    }
  }

  private lookup(request: ArtifactLookupRequest): Promise<ArtifactFile | undefined> {
    const known = this.known.get(lookupKey(request));
    const held = known?.content.deref();
    if (known !== undefined && held !== undefined) request.have = known.contentId;
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ request, held, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    try {
      this.post({ type: 'artifact-lookup', id, requests: batch.map((l) => l.request) });
    } catch (err) {
      this.inFlight.delete(id);
      for (const lookup of batch) lookup.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private settle(lookup: PendingLookup, answer: ArtifactLookupAnswer): void {
    if (answer === null) {
      lookup.resolve(undefined);
      return;
    }
    const { contentId, content: bytes, ...file } = answer;
    const content = bytes !== undefined ? Buffer.from(bytes) : lookup.held;
    if (content === undefined || (bytes === undefined && contentId !== lookup.request.have)) {
      lookup.reject(new Error('artifact answer without the bytes of a content not held'));
      return;
    }
    this.known.set(lookupKey(lookup.request), { contentId, content: new WeakRef(content) });
    lookup.resolve({ ...file, content });
  }
}
