/**
 * Test helper of the item-handler tests (excluded from the build like every `test-*.ts`): an
 * envelope as the ingest edge hands it on, to pass items to `ItemHandler.handle`.
 */
import type { EnvelopeHeaders, EnvelopeItem } from '../../protocol/envelope.js';
import type { AcceptedEnvelope, RequestMeta } from '../ingest/index.js';
import { DEFAULT_PROJECT_CONFIG, type ProjectConfig } from '../../processing/project-config/index.js';

/** What {@link acceptedEnvelope} lets a test choose; everything else is fixed. */
export interface AcceptedEnvelopeOptions {
  /** Envelope headers; default none. */
  headers?: EnvelopeHeaders;
  /** Envelope items; default none (handlers are given their item separately). */
  items?: EnvelopeItem[];
  /** Default 1. */
  projectId?: number;
  /** Default 1. */
  organizationId?: number;
  /** Default 1. */
  keyId?: number;
  /** Request metadata; default received now (Unix seconds) from 127.0.0.1. */
  meta?: Partial<RequestMeta>;
  /** The project's config; default {@link DEFAULT_PROJECT_CONFIG}. */
  config?: ProjectConfig;
}

/**
 * An accepted envelope of project 1, organization 1, key 1 (public key 32 × `a`), size 0, with
 * the headers, items, scoping and request metadata of `options`.
 */
export function acceptedEnvelope(options: AcceptedEnvelopeOptions = {}): AcceptedEnvelope {
  return {
    envelope: { headers: options.headers ?? {}, items: options.items ?? [] },
    projectId: options.projectId ?? 1,
    organizationId: options.organizationId ?? 1,
    keyId: options.keyId ?? 1,
    publicKey: 'a'.repeat(32),
    meta: { receivedAt: Date.now() / 1000, clientIp: '127.0.0.1', ...options.meta },
    sizeBytes: 0,
    config: options.config ?? DEFAULT_PROJECT_CONFIG,
  };
}
