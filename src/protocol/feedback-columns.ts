/**
 * The fields of one user feedback that the feedback pipelines produce (src/processing/items/
 * feedback/) and the `feedback` table stores and reads back (src/storage/clickhouse/feedback.ts):
 * this is the one definition both share (reference/relay-protocol.md §3.4, §14.5). Ids are 32
 * lowercase hex digits (`''` when absent), absent strings `''`; the item type, times, tags and the
 * event itself are typed by each side.
 */

/** The user of a feedback as stored: `''` for absent values. */
export interface FeedbackUser {
  id: string;
  email: string;
  username: string;
  /** `user.ip_address` after normalization (`{{auto}}` resolved). */
  ipAddress: string;
  name: string;
}

/** The descriptive fields of one user feedback (see the module comment). */
export interface FeedbackFields {
  projectId: number;
  /** The feedback's own id: the feedback event's `event_id`, or the one derived for a user report. */
  feedbackId: string;
  /** What the user wrote (`contexts.feedback.message`, a user report's `comments`). */
  message: string;
  /** The address the user left for a reply (`contact_email`, a user report's `email`). */
  contactEmail: string;
  name: string;
  /** The page the feedback was given on. */
  url: string;
  /** What collected it, as the SDK says (`api`, `widget`, `crash_report_embed_form`, ...). */
  source: string;
  /** The error event the feedback is about (32 hex or `''`). */
  associatedEventId: string;
  replayId: string;
  traceId: string;
  release: string;
  environment: string;
  platform: string;
  level: string;
  user: FeedbackUser;
}
