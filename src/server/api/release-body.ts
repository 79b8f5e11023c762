/**
 * The body of release create and update requests (Sentry's `ReleaseSerializer`,
 * `ReleaseWithVersionSerializer`, `OrganizationReleaseSerializer` and the head-commit serializers
 * in `src/sentry/api/serializers/rest_framework/release.py`), validated with DRF's messages.
 */
import type { JsonObject } from '../../protocol/json.js';
import {
  RELEASE_STATUSES,
  type CommitInput,
  type RefInput,
  type ReleaseStatus,
} from '../../storage/metadata/index.js';
import { type CharOptions, type FieldErrors } from './drf-fields.js';
import { MAX_VERSION_LENGTH, isValidVersion } from './release-version.js';

/** Longest commit sha (Sentry's `MAX_COMMIT_LENGTH`). */
export const MAX_COMMIT_LENGTH = 64;

/** The release fields of a create or update body (Sentry's `ReleaseSerializer` family). */
export interface ReleaseFields {
  version?: string;
  ref?: string | null;
  url?: string | null;
  dateReleased?: string | null;
  status?: ReleaseStatus;
  commits?: CommitInput[];
  /** `refs`, or the deprecated `headCommits` converted to refs. */
  refs?: RefInput[];
}

/**
 * Reads and validates the release fields of `body` into `errors`: `version` (with `withVersion`:
 * required, ≤ 200 characters, a valid name), `ref`, `url`, `dateReleased`, `status`, `commits`
 * ({@link commitInput}), `refs` (`repository` and `commit` required; `a..b` ranges) and the
 * deprecated `headCommits` (`currentId`, `repository`, `previousId`).
 */
export function releaseFields(body: JsonObject, errors: FieldErrors, withVersion: boolean): ReleaseFields {
  const fields: ReleaseFields = {};
  if (withVersion) {
    const version = errors.char(body, 'version', {
      required: true,
      maxLength: MAX_VERSION_LENGTH,
      trim: false,
    });
    if (typeof version === 'string' && version !== '') {
      if (isValidVersion(version)) fields.version = version;
      else errors.add('version', `Release with name ${version} is not allowed`);
    }
  }
  const optional: CharOptions = { allowNull: true, allowBlank: true, maxLength: MAX_VERSION_LENGTH };
  fields.ref = errors.char(body, 'ref', optional);
  fields.url = errors.url(body, 'url', { allowNull: true, allowBlank: true });
  fields.dateReleased = errors.dateTime(body, 'dateReleased', { allowNull: true });
  const status = errors.char(body, 'status', { allowBlank: true });
  if (typeof status === 'string' && status !== '') {
    if ((RELEASE_STATUSES as readonly string[]).includes(status)) fields.status = status as ReleaseStatus;
    else errors.add('status', `Invalid status ${status}`);
  }
  fields.commits = errors.objects(body, 'commits', commitInput);
  fields.refs = errors.objects(body, 'refs', (ref, e) => {
    const commit = e.char(ref, 'commit', { required: true });
    if (typeof commit === 'string' && commit.includes('..')) {
      const [start = '', end = ''] = commit.split('..');
      if (start === '' || end === '') e.add('commit', 'Commit cannot begin or end with ..');
      else if (start.length > MAX_COMMIT_LENGTH || end.length > MAX_COMMIT_LENGTH) {
        e.add('commit', `Start or end commit too long - max is ${MAX_COMMIT_LENGTH} chars each`);
      }
    } else if (typeof commit === 'string' && commit.length > MAX_COMMIT_LENGTH) {
      e.add('commit', `Commit too long - max is ${MAX_COMMIT_LENGTH} chars`);
    }
    const repository = e.char(ref, 'repository', { required: true, maxLength: 200 });
    const previousCommit = e.char(ref, 'previousCommit', {
      allowNull: true,
      allowBlank: true,
      maxLength: MAX_COMMIT_LENGTH,
    });
    return { repository: repository ?? '', commit: commit ?? '', previousCommit: previousCommit ?? null };
  });
  const headCommits = errors.objects(body, 'headCommits', (head, e) => {
    const currentId = e.char(head, 'currentId', { required: true, maxLength: MAX_COMMIT_LENGTH });
    const repository = e.char(head, 'repository', { required: true, maxLength: 64 });
    const previousId = e.char(head, 'previousId', { allowNull: true, maxLength: MAX_COMMIT_LENGTH });
    return { repository: repository ?? '', commit: currentId ?? '', previousCommit: previousId ?? null };
  });
  if (
    (fields.refs === undefined || fields.refs.length === 0) &&
    headCommits !== undefined &&
    headCommits.length > 0
  ) {
    fields.refs = headCommits;
  }
  return fields;
}

/** The file-change types Sentry accepts (`CommitFileChange.is_valid_type`). */
const PATCH_SET_TYPES = ['A', 'D', 'M'];

/**
 * One commit of `commits`, as Sentry's `CommitSerializer`
 * (`src/sentry/api/serializers/rest_framework/commit.py`) reads it: `id` required (≤ 64
 * characters), `repository` (≤ 64), `message`, `author_name` (≤ 128), `author_email` (≤ 75),
 * `timestamp` (a date-time) and `patch_set` (`[{path ≤ 510, type A|D|M}]`); fields that are
 * absent stay absent.
 */
export function commitInput(commit: JsonObject, e: FieldErrors): CommitInput {
  const optional = (maxLength?: number): CharOptions => ({ allowNull: true, allowBlank: true, maxLength });
  const input: CommitInput = {
    id: e.char(commit, 'id', { required: true, maxLength: MAX_COMMIT_LENGTH }) ?? '',
  };
  const repository = e.char(commit, 'repository', optional(64));
  const message = e.char(commit, 'message', optional());
  const authorName = e.char(commit, 'author_name', optional(128));
  const authorEmail = e.char(commit, 'author_email', optional(75));
  const timestamp = e.dateTime(commit, 'timestamp', { allowNull: true });
  if (repository !== undefined) input.repository = repository;
  if (message !== undefined) input.message = message;
  if (authorName !== undefined) input.author_name = authorName;
  if (authorEmail !== undefined) input.author_email = authorEmail;
  if (timestamp !== undefined) input.timestamp = timestamp;
  if (commit.patch_set !== null) {
    input.patch_set = e.objects(commit, 'patch_set', (file, fe) => {
      const path = fe.char(file, 'path', { required: true, maxLength: 510 });
      const type = fe.char(file, 'type', { required: true, maxLength: 1 });
      if (typeof type === 'string' && !PATCH_SET_TYPES.includes(type)) {
        fe.add('type', `Commit patch_set type ${type} is not supported.`);
      }
      return { path: path ?? '', type: type ?? '' };
    });
  }
  return input;
}
