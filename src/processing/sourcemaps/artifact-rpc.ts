/**
 * The messages of the artifact lookups a processing thread asks the main thread for (the
 * metadata store, and so the `ArtifactStore`, lives on the main thread): the lookups of the
 * {@link ArtifactSource} contract, batched per tick, answered in order. A file's bytes travel
 * once per thread: each answer names its content by a `contentId` (one per content buffer on the
 * main thread), and a request may say which content the thread already holds for the same lookup
 * (`have`), in which case the answer leaves the bytes out. Bytes that do travel are copied once
 * into their own `ArrayBuffer` and transferred, not cloned.
 */
import type { ArtifactFile, ArtifactFileType } from './artifact-source.js';
import { debugIdLookupKey, urlLookupKey } from './artifacts.js';

/** Fields every lookup carries. */
interface LookupBase {
  /** The pool run (batch of events) the lookup belongs to: lookups of one run are deduplicated. */
  batch: number;
  projectId: number;
  /** The `contentId` of the bytes the thread holds for this lookup, if any. */
  have?: number;
}

/** One lookup: {@link ArtifactSource.byDebugId} or {@link ArtifactSource.byUrl}. */
export type ArtifactLookupRequest =
  | (LookupBase & { kind: 'debug-id'; debugId: string; fileType: ArtifactFileType })
  | (LookupBase & { kind: 'url'; release: string; dist: string | undefined; url: string });

/**
 * A file found: the {@link ArtifactFile} without its bytes, the id of its content, and the bytes
 * (exactly `content.byteLength` of them) unless the request's `have` is that id.
 */
export interface FoundArtifact extends Omit<ArtifactFile, 'content'> {
  contentId: number;
  content?: ArrayBuffer;
}

/** The answer to one lookup: `null` when nothing was found (or the lookup failed, logged). */
export type ArtifactLookupAnswer = FoundArtifact | null;

/** Thread → main: lookups to answer, in one message. */
export interface ArtifactLookupMessage {
  type: 'artifact-lookup';
  /** Identifies the message; the answer carries it back. */
  id: number;
  requests: ArtifactLookupRequest[];
}

/** Main → thread: one answer per request, in the requests' order. */
export interface ArtifactAnswerMessage {
  type: 'artifact-answer';
  id: number;
  answers: ArtifactLookupAnswer[];
}

/** What identifies a lookup across runs (everything but `batch` and `have`). */
export function lookupKey(request: ArtifactLookupRequest): string {
  return request.kind === 'debug-id'
    ? debugIdLookupKey(request.projectId, request.debugId, request.fileType)
    : urlLookupKey(request.projectId, request.release, request.dist, request.url);
}
