/**
 * The ingest edge (Relay's SDK-facing endpoints, reference/relay-protocol.md §1–§5): the Fastify
 * plugin, the envelope queue it feeds, and the types shared with the rest of the server.
 */
export { ingestRoutes, PIXEL_GIF } from './routes.js';
export { EnvelopeQueue, type EnvelopeQueueOptions } from './queue.js';
export type { AcceptedEnvelope, ClientHints, IngestDeps, ProjectKeyInfo, RequestMeta } from './types.js';
export { RATE_LIMITED_HEADER } from './types.js';
export {
  checkEnvelopeSizeLimits,
  DEFAULT_SIZE_LIMITS,
  discardItemTypeName,
  resolveSizeLimits,
  type SizeLimits,
} from './limits.js';
export { toErrorResponse, type ErrorResponse, type IngestError, type RateLimitHeaders } from './errors.js';
export {
  parseContentEncoding,
  readBody,
  type BodyError,
  type BodyResult,
  type ContentCoding,
} from './body.js';
export { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, INGEST_RESPONSE_HEADERS } from './http.js';
