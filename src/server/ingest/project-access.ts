/**
 * Whether a request's project takes its envelopes: the edge's version of Relay's project check
 * (`Project::check_envelope` in `relay-server/src/services/projects/cache/project.rs` and
 * `ProjectInfo::check_envelope` in `.../project/info.rs`), run once the request's envelope is
 * built, so a refused envelope is accounted for item by item:
 *
 * - an unknown or disabled key is Relay's `Disabled` project state (Sentry sends `disabled: true`
 *   for an inactive key): `invalid` / `project_id` outcomes under the request's partial scoping
 *   (`RequestMeta::get_partial_scoping`: organization 0, the project id of the URL, no key id,
 *   stored as 0 here);
 * - a key of another project fails `is_valid_project_id`: `invalid` / `project_id` under the
 *   key's own scoping (Relay scopes the request by the loaded state before checking it);
 * - an `Origin` (else `Referer`) the project's `allowedDomains` does not allow fails
 *   `is_valid_origin`: `invalid` / `cors` under the key's scoping.
 *
 * The answer is Relay's `EventRejected(reason)`: 403 `event submission rejected with_reason:
 * ProjectId` (or `Cors`).
 */
import type { Envelope } from '../../protocol/envelope.js';
import type { OutcomeScoping } from '../../protocol/outcome.js';
import { matchesAnyOrigin, parseSchemeDomainPort } from '../../processing/filters/csp.js';
import type { IngestError } from './errors.js';
import type { IngestResult } from './route-kit.js';
import type { IngestDeps, ProjectKeyInfo, RequestMeta } from './types.js';

/** Relay's `DiscardReason` of a refused project, as the edge names it (`ProjectId`, `Cors`). */
export type ProjectRefusal = Extract<IngestError, { kind: 'event_rejected' }>['reason'];

/** The outcome reason of each refusal (`DiscardReason::name`). */
const OUTCOME_REASONS: Record<ProjectRefusal, string> = { ProjectId: 'project_id', Cors: 'cors' };

/**
 * What the edge knows of a request's project once its key was looked up: the key when it may
 * send to the project of the URL, else the scoping the refused items' outcomes are recorded under.
 */
export type ProjectAccess = { ok: true; key: ProjectKeyInfo } | { ok: false; scoping: OutcomeScoping };

/** The scoping of a key's outcomes: its organization, project and id (Relay's `ProjectInfo::scope_request`). */
export function keyScoping(key: ProjectKeyInfo): OutcomeScoping {
  return { organizationId: key.organizationId, projectId: key.projectId, keyId: key.keyId };
}

/**
 * The access a request for project `projectId` (the URL's) has with `key` (`undefined` when the
 * public key is unknown): refused for an unknown or disabled key (partial scoping: organization
 * 0, `projectId`, key 0) and for a key of another project (the key's scoping); see the module
 * comment.
 */
export function projectAccess(key: ProjectKeyInfo | undefined, projectId: number): ProjectAccess {
  if (key === undefined || !key.isActive)
    return { ok: false, scoping: { organizationId: 0, projectId, keyId: 0 } };
  if (key.projectId !== projectId) return { ok: false, scoping: keyScoping(key) };
  return { ok: true, key };
}

/**
 * Relay's `ProjectInfo::is_valid_origin`: a request without an origin (`RequestMeta.origin`, an
 * `http(s)` `Origin` or `Referer`) is always allowed; with one, an empty `allowedDomains` refuses
 * it, else it must match an entry as `relay-filter`'s `matches_any_origin` matches (`*` anything,
 * `example.com`, `*.example.com` with its subdomains, `http://example.com`, `*:8080`; case-insensitive).
 */
export function isAllowedOrigin(origin: string | undefined, allowedDomains: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowedDomains.length === 0) return false;
  return matchesAnyOrigin(origin, allowedDomains.map(parseSchemeDomainPort));
}

/**
 * The project check of a request whose `envelopes` are built (one, or one per report of a
 * browser report request): the key when the project takes them; otherwise every item of every
 * envelope is recorded as `invalid` (`deps.rejectEnvelope`, reason `project_id` or `cors`) and
 * the answer is 403 `event_rejected`. `meta.origin` is checked against the key's
 * `config.allowedDomains`.
 */
export function checkProjectAccess(
  deps: Pick<IngestDeps, 'rejectEnvelope'>,
  access: ProjectAccess,
  envelopes: readonly Envelope[],
  meta: Pick<RequestMeta, 'origin'>,
): IngestResult<ProjectKeyInfo> {
  let refusal: { reason: ProjectRefusal; scoping: OutcomeScoping };
  if (!access.ok) refusal = { reason: 'ProjectId', scoping: access.scoping };
  else if (!isAllowedOrigin(meta.origin, access.key.config.allowedDomains))
    refusal = { reason: 'Cors', scoping: keyScoping(access.key) };
  else return { ok: true, value: access.key };
  for (const envelope of envelopes)
    deps.rejectEnvelope?.(refusal.scoping, envelope, OUTCOME_REASONS[refusal.reason]);
  return { ok: false, error: { kind: 'event_rejected', reason: refusal.reason } };
}
