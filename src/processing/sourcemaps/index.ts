/**
 * JavaScript source-map symbolication (reference/sentry-semantics.md §9): the
 * {@link ArtifactSource} contract with artifact storage, and the {@link JsSymbolicator} the
 * processing loop runs over each batch of events before the error pipeline.
 */
export type { ArtifactFile, ArtifactFileType, ArtifactSource } from './artifact-source.js';
export { JsSymbolicator, mayNeedSymbolication } from './js-symbolicator.js';
export type { JsSymbolicatorOptions, SymbolicationWork } from './js-symbolicator.js';
export { MemoryArtifactSource, candidateUrls } from './memory-artifact-source.js';
export type { MemoryArtifactBundle, MemoryArtifactFile } from './memory-artifact-source.js';
export { symbolicateEvent, needsSymbolication } from './symbolicate-event.js';
