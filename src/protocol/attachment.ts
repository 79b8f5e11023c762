/**
 * Attachment types (`AttachmentType` in Relay's `relay-server/src/envelope/attachment.rs`,
 * reference/relay-protocol.md §3.5) and the names Relay and Sentry give attachments by default.
 */

/** The `attachment_type` of an item without one. */
export const DEFAULT_ATTACHMENT_TYPE = 'event.attachment';

/**
 * Every attachment type Relay names. Unknown strings are kept as sent (Relay's `Unknown(String)`),
 * so this list only documents the known ones.
 */
export const ATTACHMENT_TYPES = [
  'event.attachment',
  'event.minidump',
  'event.applecrashreport',
  'event.payload',
  'event.breadcrumbs',
  'event.view_hierarchy',
  'unreal.context',
  'unreal.logs',
  'playstation.prosperodump',
  'nswitch.dying_message',
] as const;

/**
 * Attachment types that make Relay treat the envelope as carrying an event even without an
 * `event` item (`creates_event` in `relay-server/src/envelope/item.rs`).
 */
export const EVENT_CREATING_ATTACHMENT_TYPES: ReadonlySet<string> = new Set([
  'event.minidump',
  'event.applecrashreport',
  'event.payload',
  'event.breadcrumbs',
  'playstation.prosperodump',
]);

/** The name of an attachment sent without `filename` (Relay's `UNNAMED_ATTACHMENT`). */
export const UNNAMED_ATTACHMENT = 'Unnamed Attachment';

/** The content type of an attachment sent without one (what SDKs default to). */
export const DEFAULT_ATTACHMENT_CONTENT_TYPE = 'application/octet-stream';
