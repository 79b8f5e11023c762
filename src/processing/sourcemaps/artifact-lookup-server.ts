/**
 * The main thread's side of the artifact lookups of the processing threads (`artifact-rpc.ts`):
 * answers them from the {@link ArtifactSource} (the `ArtifactStore` over the metadata store),
 * each distinct lookup of a run of the pool once however many threads share the run
 * ({@link BatchLookups}; a failing lookup is logged and answers "not found"), and hands out file
 * bytes only to threads that do not hold them yet.
 */
import type { ArtifactSource } from './artifact-source.js';
import type { ArtifactLookupAnswer, ArtifactLookupRequest } from './artifact-rpc.js';
import { BatchLookups, type FoundFile } from './artifacts.js';
import type { SymbolicationLogger } from './js-symbolicator.js';

/** Answers to one message, and the buffers to transfer with them. */
export interface ArtifactAnswers {
  answers: ArtifactLookupAnswer[];
  /** The `content` buffers of the answers, each once (the message's transfer list). */
  transfer: ArrayBuffer[];
}

/** Answers artifact lookups for the processing threads. */
export class ArtifactLookupServer {
  private readonly runs = new Map<number, BatchLookups>();
  /** One id per content buffer: the source hands out the same buffer while it caches the file. */
  private readonly contentIds = new WeakMap<Buffer, number>();
  private nextContentId = 1;

  constructor(
    private readonly source: ArtifactSource,
    private readonly logger?: Pick<SymbolicationLogger, 'warn'>,
  ) {}

  /** Starts run `batch`: its lookups are deduplicated until {@link end}. */
  begin(batch: number): void {
    this.runs.set(batch, this.lookups());
  }

  /** Ends run `batch` (late lookups of it are still answered, without deduplication). */
  end(batch: number): void {
    this.runs.delete(batch);
  }

  /** Answers `requests` in order; never rejects. */
  async answer(requests: readonly ArtifactLookupRequest[]): Promise<ArtifactAnswers> {
    let late: BatchLookups | undefined;
    const found = await Promise.all(
      requests.map((request) => {
        const lookups = this.runs.get(request.batch) ?? (late ??= this.lookups());
        return request.kind === 'debug-id'
          ? lookups.byDebugId(request.projectId, request.debugId, request.fileType)
          : lookups.byUrl(request.projectId, request.release, request.dist, request.url);
      }),
    );
    const copies = new Map<number, ArrayBuffer>();
    const answers = found.map((file, i) => this.toAnswer(file, requests[i]!.have, copies));
    return { answers, transfer: [...copies.values()] };
  }

  private lookups(): BatchLookups {
    return new BatchLookups(this.source, (err, lookup) =>
      this.logger?.warn({ err, lookup }, 'artifact lookup failed; the file counts as missing'),
    );
  }

  /** The answer for a found file: its bytes copied once per message, left out when the thread has them. */
  private toAnswer(
    found: FoundFile | undefined,
    have: number | undefined,
    copies: Map<number, ArrayBuffer>,
  ): ArtifactLookupAnswer {
    if (found === undefined) return null;
    const { content, ...file } = found.file;
    let contentId = this.contentIds.get(content);
    if (contentId === undefined) {
      contentId = this.nextContentId++;
      this.contentIds.set(content, contentId);
    }
    if (contentId === have) return { ...file, contentId };
    let copy = copies.get(contentId);
    if (copy === undefined) {
      // The source keeps its buffer (it caches it), so the thread gets a copy it owns.
      copy = new ArrayBuffer(content.byteLength);
      new Uint8Array(copy).set(content);
      copies.set(contentId, copy);
    }
    return { ...file, contentId, content: copy };
  }
}
