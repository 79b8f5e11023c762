/**
 * Repository, commit and changed-file JSON in Sentry's web-API shapes
 * (`src/sentry/api/serializers/models/repository.py`, `commit.py`, `filechange.py`). Vigil
 * matches no commit author to a user (Sentry does so only through verified emails, which Vigil's
 * users do not have), so an author is `{name, email}` as Sentry shows unmatched authors, or `{}`.
 */
import type { JsonObject } from '../../../protocol/json.js';
import {
  CUSTOM_SCM_PROVIDER,
  type CommitAuthor,
  type CommitRecord,
  type ReleaseFileChange,
  type Repository,
} from '../../../storage/metadata/index.js';

/** The provider names Sentry shows (`CustomSCMRepositoryProvider.name`). */
const PROVIDER_NAMES: Record<string, string> = { [CUSTOM_SCM_PROVIDER]: 'CustomSCM' };

/**
 * `{id (string), name, url, provider: {id, name}, status, dateCreated, integrationId,
 * externalSlug, externalId}`; a plain repository's provider is `{id: "unknown", name: "Unknown
 * Provider"}`, a Custom SCM one's external slug is its name.
 */
export function serializeRepository(repository: Repository): JsonObject {
  const provider = repository.provider;
  return {
    id: String(repository.id),
    name: repository.name,
    url: repository.url,
    provider:
      provider === null
        ? { id: 'unknown', name: 'Unknown Provider' }
        : { id: provider, name: PROVIDER_NAMES[provider] ?? provider },
    status: repository.status,
    dateCreated: repository.date_added,
    integrationId: null,
    externalSlug: provider === CUSTOM_SCM_PROVIDER ? repository.name : null,
    externalId: repository.external_id,
  };
}

/** An unmatched commit author: `{name, email}`. */
export function serializeCommitAuthor(author: CommitAuthor): JsonObject {
  return { name: author.name, email: author.email };
}

/** `{id (the sha), message, dateCreated, pullRequest: null, suspectCommitType: "", repository, author}`. */
export function serializeCommit(commit: CommitRecord): JsonObject {
  return {
    id: commit.key,
    message: commit.message,
    dateCreated: commit.date_added,
    pullRequest: null,
    suspectCommitType: '',
    repository: serializeRepository(commit.repository),
    author: commit.author === null ? {} : serializeCommitAuthor(commit.author),
  };
}

/** `{id (string), orgId, author, commitMessage, filename, type, repoName}`. */
export function serializeFileChange(change: ReleaseFileChange): JsonObject {
  return {
    id: String(change.id),
    orgId: change.organization_id,
    author: change.commit.author === null ? {} : serializeCommitAuthor(change.commit.author),
    commitMessage: change.commit.message,
    filename: change.filename,
    type: change.type,
    repoName: change.commit.repository.name,
  };
}
