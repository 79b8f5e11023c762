/**
 * Attachments (reference/relay-protocol.md §3.5): the `attachment` item pipeline, and native
 * crashes (minidumps, Apple crash reports) turned into error events with their crash attachment.
 * Pure: no I/O.
 */
export {
  attachmentOutcomes,
  processAttachmentItem,
  type AttachmentItemContext,
  type ProcessedAttachment,
} from './process.js';
export { MAX_BREADCRUMBS, prepareNativeCrash } from './native-event.js';
export { hasMinidumpSignature, readMinidumpInfo, type MinidumpInfo } from './minidump.js';
export { mergeFormFields, mergeValues, sentryEntryPath, setNestedValue } from './form-data.js';
