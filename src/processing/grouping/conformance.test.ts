import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SentryEvent } from '../../protocol/event.js';
import { asObject, asString, isJsonObject } from '../../protocol/json.js';
import type { GroupingComponent } from './component.js';
import type { FingerprintRuleConfig } from './fingerprinting.js';
import { computeGrouping, type GroupingResult } from './variants.js';

// Inputs and `newstyle@2023_01_11` snapshots from getsentry/sentry tests/sentry/grouping, kept
// outside the project (see ../shared/fixtures/sentry-grouping/SOURCE.md).
const fixturesUrl = new URL('../../../../shared/fixtures/sentry-grouping/', import.meta.url);
const haveFixtures = existsSync(fixturesUrl);

const DB_VALUE_HEAD =
  "InFailedSqlTransaction('current transaction is aborted, commands ignored until end of transaction block\\n')\nSQL: RELEASE SAVEPOINT ";

/**
 * Fixtures whose snapshot was recorded by an older Sentry and no longer matches its current
 * behaviour. For each, `snapshot` lists the leaf values that reproduce the snapshot's hash under
 * the old behaviour (proving nothing else differs) and `current` the values Sentry hashes today,
 * which is what Vigil must produce. Every other fixture must match its snapshot exactly.
 */
const STALE_SNAPSHOTS: Record<
  string,
  { reason: string; variant: string; snapshot: string[]; current: string[] }
> = {
  'frame-uses-context-line-over-function': {
    reason:
      'snapshot (2023-01) predates the context-line handling the input exercises: the JavaScript frame ' +
      'has a source map and a context line, so the function no longer counts and the context line does',
    variant: 'system',
    snapshot: ['foo.py', 'bar'],
    current: ['foo.py', 'foo bar'],
  },
  database_error: {
    reason:
      'snapshot (2023-12) comes from a parameterizer with a `quoted_identifier` pattern that Sentry has ' +
      'since removed (sentry: src/sentry/grouping/strategies/message.py at 0c0a7a66)',
    variant: 'app',
    snapshot: ['InFailedSqlTransaction', `${DB_VALUE_HEAD}<quoted_identifier>`],
    current: ['InFailedSqlTransaction', `${DB_VALUE_HEAD}"s140078941939520_x761"`],
  },
};

const md5 = (values: string[]): string => createHash('md5').update(values.join('')).digest('hex');

/** The variants of a `.pysnap`: name (dashes read as underscores) → hash (`null` = not contributing). */
function parseSnapshot(text: string): Map<string, string | null> {
  const body = text.split(/^---$/mu).slice(2).join('---');
  const variants = new Map<string, string | null>();
  for (const block of body.split(/^-{74}$/mu)) {
    const name = /^([a-z_-]+):\s*$/mu.exec(block)?.[1];
    const hash = /^ {2}hash: (null|"([0-9a-f]{32})")\s*$/mu.exec(block);
    if (name === undefined || hash === null) continue;
    variants.set(name.replaceAll('-', '_'), hash[2] ?? null);
  }
  return variants;
}

/** Renders a component tree like Sentry's snapshots (`*` marks contributing nodes). */
function renderTree(component: GroupingComponent, depth = 0): string {
  const pad = '  '.repeat(depth);
  const lines = [
    `${pad}${component.id}${component.contributes ? '*' : ''}${component.hint ? ` (${component.hint})` : ''}`,
  ];
  for (const value of component.values) {
    lines.push(typeof value === 'object' ? renderTree(value, depth + 1) : `${pad}  ${JSON.stringify(value)}`);
  }
  return lines.join('\n');
}

interface Outcome {
  name: string;
  matches: boolean;
  details: string[];
  result: GroupingResult;
}

function runFixture(name: string): Outcome {
  const input: unknown = JSON.parse(readFileSync(new URL(`inputs/${name}.json`, fixturesUrl), 'utf8'));
  if (!isJsonObject(input)) throw new Error(`${name}: input is not an object`);
  const snapshot = parseSnapshot(readFileSync(new URL(`snapshots/${name}.pysnap`, fixturesUrl), 'utf8'));
  const rules = input['_fingerprinting_rules'];
  const stackTraceRules = asString(asObject(input['_grouping'])?.['enhancements']);
  const result = computeGrouping(input as SentryEvent, {
    ...(Array.isArray(rules) ? { fingerprintingRules: rules as unknown as FingerprintRuleConfig[] } : {}),
    ...(stackTraceRules === undefined ? {} : { stackTraceRules }),
  });
  const ours = new Map(result.variants.map((v) => [v.key, v.hash]));
  const details: string[] = [];
  for (const key of new Set([...snapshot.keys(), ...ours.keys()])) {
    const expected = snapshot.get(key);
    const actual = ours.get(key);
    if (expected === actual) continue;
    details.push(
      `${key}: expected ${expected === undefined ? '(no variant)' : String(expected)}, got ${actual === undefined ? '(no variant)' : String(actual)}`,
    );
    const component = result.variants.find((v) => v.key === key)?.component;
    if (component !== undefined) details.push(renderTree(component));
  }
  return { name, matches: details.length === 0, details, result };
}

const names = haveFixtures
  ? readdirSync(new URL('inputs/', fixturesUrl))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort()
  : [];

describe.skipIf(!haveFixtures)('grouping conformance: Sentry newstyle:2023-01-11 snapshots', () => {
  const outcomes = names.map(runFixture);
  const matched = outcomes.filter((o) => o.matches).map((o) => o.name);

  it('covers the 25 fixture events', () => {
    expect(names).toHaveLength(25);
  });

  it('matches every variant hash of every up-to-date snapshot', () => {
    const report = outcomes
      .filter((o) => !o.matches && STALE_SNAPSHOTS[o.name] === undefined)
      .map((o) => `--- ${o.name}\n${o.details.join('\n')}`)
      .join('\n');
    console.info(
      `grouping conformance: ${matched.length}/${outcomes.length} fixtures match all variant hashes`,
    );
    expect(report, report).toBe('');
    expect(matched).toEqual(names.filter((name) => STALE_SNAPSHOTS[name] === undefined));
  });

  it.each(Object.entries(STALE_SNAPSHOTS))('%s: hashes what Sentry hashes today', (name, stale) => {
    const outcome = outcomes.find((o) => o.name === name);
    expect(outcome, `${name} is no longer a fixture`).toBeDefined();
    const snapshot = parseSnapshot(readFileSync(new URL(`snapshots/${name}.pysnap`, fixturesUrl), 'utf8'));
    expect(md5(stale.snapshot), 'the documented old values reproduce the snapshot').toBe(
      snapshot.get(stale.variant),
    );
    const ours = outcome?.result.variants.find((v) => v.key === stale.variant)?.hash;
    expect(ours, stale.reason).toBe(md5(stale.current));
  });
});

describe.runIf(!haveFixtures)('grouping conformance', () => {
  it.skip('skipped: ../shared/fixtures/sentry-grouping is absent', () => {});
});
