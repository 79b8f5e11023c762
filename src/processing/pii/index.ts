/**
 * Server-side data scrubbing with a project's legacy settings (reference/relay-protocol.md §9).
 */
export { scrubEvent, scrubReplay, scrubStrings } from './scrub-event.js';
export { DEFAULT_DATA_SCRUBBING, compileScrubbing } from './settings.js';
export type { CompiledScrubbing, DataScrubbingSettings } from './settings.js';
export { parseSafeField, parseSelector, selectorMatches } from './selectors.js';
export type { PathSegment, Selector } from './selectors.js';
