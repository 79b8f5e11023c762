/**
 * A stored group (issue) of the metadata store as the issue serializer reads it: the one mapping
 * the issue and feedback endpoints share (src/server/api/serializers/issue.ts `GroupRecord`).
 */
import type { Group } from '../../storage/metadata/index.js';
import type { GroupRecord } from './serializers/issue.js';

/**
 * The serializer's view of `group`: camel-cased fields, stored dates as `Date`s (`null` when
 * the group was never resolved / activated). Never throws.
 */
export function toGroupRecord(group: Group): GroupRecord {
  return {
    id: group.id,
    projectId: group.project_id,
    shortId: group.short_id,
    type: group.type,
    status: group.status,
    substatus: group.substatus,
    title: group.title,
    culprit: group.culprit,
    level: group.level,
    metadata: group.metadata,
    firstRelease: group.first_release,
    dateCreated: new Date(group.date_created),
    resolvedAt: group.resolved_at ? new Date(group.resolved_at) : null,
    activeAt: group.active_at ? new Date(group.active_at) : null,
    platform: group.platform,
    logger: group.logger,
  };
}
