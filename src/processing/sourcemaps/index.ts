/**
 * JavaScript source-map symbolication (reference/sentry-semantics.md §9): the
 * {@link ArtifactSource} contract with artifact storage, the {@link JsSymbolicator} each
 * processing thread runs between scrubbing and grouping, and the lookups a processing thread
 * asks the main thread for ({@link ArtifactLookupClient} there, {@link ArtifactLookupServer} on
 * the main thread).
 */
export type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
export { JsSymbolicator } from './js-symbolicator.js';
export type { JsSymbolicatorOptions, SymbolicationBatch, SymbolicationLogger } from './js-symbolicator.js';
export { DEFAULT_ARTIFACT_CACHE_BYTES } from './artifacts.js';
export { MemoryArtifactSource, candidateUrls } from './memory-artifact-source.js';
export type { MemoryArtifactBundle, MemoryArtifactFile } from './memory-artifact-source.js';
export { symbolicateEvent, needsSymbolication } from './symbolicate-event.js';
export { ArtifactLookupClient } from './remote-artifact-source.js';
export { ArtifactLookupServer, type ArtifactAnswers } from './artifact-lookup-server.js';
export type {
  ArtifactAnswerMessage,
  ArtifactLookupAnswer,
  ArtifactLookupMessage,
  ArtifactLookupRequest,
  FoundArtifact,
} from './artifact-rpc.js';
