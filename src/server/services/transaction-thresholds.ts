/**
 * Projects' transaction thresholds (Sentry's `ProjectTransactionThreshold` and
 * `ProjectTransactionThresholdOverride`), kept in each project's config JSON
 * (src/processing/project-config/transaction-thresholds.ts): read for the events endpoint's
 * `apdex()` and kin, and changed by the threshold endpoints through the same validated save as
 * every other config change.
 */
import {
  parseThresholdOverrides,
  parseTransactionThreshold,
  type StoredThresholdOverride,
  type StoredTransactionThreshold,
} from '../../processing/project-config/index.js';
import type { JsonObject } from '../../protocol/json.js';
import type { TransactionThresholds } from '../../query/datasets/index.js';
import { getProjectConfigJsons, type MetadataStore } from '../../storage/metadata/index.js';
import {
  readProjectConfigJson,
  updateProjectConfig,
  type SaveProjectConfigResult,
} from './project-configs.js';

type ProjectThreshold = TransactionThresholds['projects'][number];
type TransactionOverride = TransactionThresholds['transactions'][number];

/** A project's stored thresholds (a stored config that does not parse reads as none). */
export interface ProjectThresholds {
  threshold: StoredTransactionThreshold | undefined;
  overrides: StoredThresholdOverride[];
}

/** The thresholds in a project's config JSON. */
export function thresholdsOf(json: JsonObject): ProjectThresholds {
  const errors: string[] = [];
  const threshold = parseTransactionThreshold(json.transactionThreshold, errors);
  const overrides = parseThresholdOverrides(json.transactionThresholdOverrides, errors);
  return { threshold, overrides };
}

/** The thresholds of `projectIds` as the events query reads them (one metadata round trip). */
export async function loadTransactionThresholds(
  store: MetadataStore,
  projectIds: readonly number[],
): Promise<TransactionThresholds> {
  const out: { projects: ProjectThreshold[]; transactions: TransactionOverride[] } = {
    projects: [],
    transactions: [],
  };
  for (const [projectId, json] of await getProjectConfigJsons(store, projectIds)) {
    const { threshold, overrides } = thresholdsOf(json);
    if (threshold !== undefined)
      out.projects.push({ projectId, metric: threshold.metric, threshold: threshold.threshold });
    for (const o of overrides) {
      out.transactions.push({
        projectId,
        transaction: o.transaction,
        metric: o.metric,
        threshold: o.threshold,
      });
    }
  }
  return out;
}

/** A project's stored thresholds. */
export async function readProjectThresholds(
  store: MetadataStore,
  projectId: number,
): Promise<ProjectThresholds> {
  return thresholdsOf(await readProjectConfigJson(store, projectId));
}

/**
 * Changes a project's thresholds: `change` gets the current ones and returns the new ones
 * (`threshold: undefined` removes the project threshold). Saved with the rest of the config.
 */
export async function updateProjectThresholds(
  store: MetadataStore,
  projectId: number,
  change: (current: ProjectThresholds) => ProjectThresholds,
): Promise<SaveProjectConfigResult> {
  return updateProjectConfig(store, projectId, (json) => {
    const next = change(thresholdsOf(json));
    const out: JsonObject = { ...json };
    delete out.transactionThreshold;
    delete out.transactionThresholdOverrides;
    if (next.threshold !== undefined) out.transactionThreshold = storedJson(next.threshold);
    if (next.overrides.length > 0) {
      out.transactionThresholdOverrides = next.overrides.map((o) => ({
        id: o.id,
        transaction: o.transaction,
        ...storedJson(o),
      }));
    }
    return out;
  });
}

/** A threshold as its config JSON. */
function storedJson(t: StoredTransactionThreshold): JsonObject {
  return {
    threshold: t.threshold,
    metric: t.metric,
    editedBy: t.editedBy,
    dateAdded: t.dateAdded,
    dateUpdated: t.dateUpdated,
  };
}
