/**
 * User feedback ingestion (reference/relay-protocol.md §3.4, §14.5): `feedback` items (feedback
 * events) and legacy `user_report` items both become one {@link ProcessedFeedback}, a row of the
 * `feedback` table. Outcomes are in data category `feedback`. Pure: no I/O.
 */
export {
  FEEDBACK_DROP_REASONS,
  MAX_FEEDBACK_MESSAGE_LENGTH,
  UNREAL_UNATTENDED_MESSAGE,
  USER_REPORT_DROP_REASONS,
  codePointLength,
  type FeedbackItemType,
  type FeedbackUser,
  type ProcessedFeedback,
} from './record.js';
export {
  DEFAULT_FEEDBACK_ENVIRONMENT,
  feedbackUser,
  processFeedbackItem,
  processFeedbackPayload,
  type FeedbackItemContext,
} from './feedback-event.js';
export {
  MAX_USER_REPORT_EMAIL_LENGTH,
  MAX_USER_REPORT_NAME_LENGTH,
  decodeUserReport,
  parseUserReport,
  processUserReportItem,
  userReportFeedbackId,
  userReportToFeedback,
  validateUserReport,
  type UserReport,
  type UserReportItemContext,
} from './user-report.js';
