// Issue-search benchmark (`npm run bench`): the built server in this process on a fresh data
// dir (embedded chDB with its default memory cap, SQLite metadata), loaded with synthetic issues
// and events, then the issue stream queried over HTTP. Reports p50/p95 latency of the default
// issue list, free text, tag equality, `is:unresolved` by frequency, by users, `times_seen:>N`
// and a relative `age:` filter, at each size of BENCH_SEARCH_SIZES (default 1 million, then
// 10 million events: the second size adds events to the first's data).
//
// Data: BENCH_SEARCH_ISSUES issues (default 10 000) in two projects, ~85% unresolved, 10%
// resolved, 5% ignored; events spread over 30 days (denser recently) with a heavy-headed issue
// distribution (rank ^ 2.5), 8 exception types, levels, 3 environments, 11 semver releases by
// age, 50 000 users, browser / os / customer / region tags and two feature flags. Events are
// generated inside ClickHouse from `numbers()` (the `data` column holds a compact event JSON:
// the list and search never read it); issues are created through the ingest path
// (`resolveGroups`).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './server.mjs';

const sizes = (process.env.BENCH_SEARCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const issueCount = Number(process.env.BENCH_SEARCH_ISSUES ?? 10_000);
const runs = Number(process.env.BENCH_SEARCH_RUNS ?? 30);
const warmups = 3;

const { createVigil } = await import(path.join(root, 'dist/server/app.js'));
const { loadConfig } = await import(path.join(root, 'dist/server/config.js'));
const { resolveGroups, createRelease, createProject } = await import(
  path.join(root, 'dist/storage/metadata/index.js')
);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-search-'));
const config = loadConfig({ port: 0, dataDir, logLevel: 'warn' }, {});
config.processing.workers = 0;
const vigil = await createVigil(config);
await vigil.app.listen({ host: '127.0.0.1', port: 0 });
const address = vigil.app.server.address();
const base = `http://127.0.0.1:${address.port}`;
const token = vigil.adminToken;
const { metadata, clickhouse } = vigil;

const EXCEPTION_TYPES = [
  'TypeError',
  'ValueError',
  'KeyError',
  'ReferenceError',
  'RangeError',
  'ConnectionError',
  'TimeoutError',
  'SyntaxError',
];
const LEVELS = ['error', 'error', 'error', 'error', 'error', 'error', 'warning', 'warning', 'fatal', 'info'];
const RELEASES = 11;
const LOAD_CHUNK = 50_000;

/** Creates the issues (through the ingest path) and releases; returns the projects and first id. */
async function createIssues() {
  const boot = await metadata.db.selectFrom('projects').selectAll().orderBy('id').executeTakeFirstOrThrow();
  const second = await createProject(metadata, boot.organization_id, 'web');
  if (!second.ok) throw new Error('project setup failed');
  const projects = [boot.id, second.value.id];
  const ids = [];
  const batch = 1000;
  for (let start = 0; start < issueCount; start += batch) {
    const items = [];
    for (let r = start; r < Math.min(issueCount, start + batch); r++) {
      const type = EXCEPTION_TYPES[r % EXCEPTION_TYPES.length];
      const level = LEVELS[r % LEVELS.length];
      items.push({
        projectId: projects[r % 5 === 0 ? 1 : 0],
        hashes: [r.toString(16).padStart(32, '0')],
        init: {
          type: level === 'info' ? 'default' : 'error',
          title: `${type}: Something failed in module ${r % 500} #${r}`,
          culprit: `app/module${r % 97}.js in handler${r % 13}`,
          level,
          metadata: { type, value: `Something failed in module ${r % 500} #${r}` },
          release: `app@1.${r % RELEASES}.0`,
          timestamp: new Date(),
          platform: 'javascript',
        },
      });
    }
    for (const g of await resolveGroups(metadata, items)) ids.push(g.groupId);
  }
  if (ids.some((id, i) => id !== ids[0] + i)) throw new Error('issue ids are not contiguous');
  const resolved = ids.filter((_, r) => r % 10 === 3);
  const ignored = ids.filter((_, r) => r % 20 === 7);
  for (const [status, substatus, list] of [
    ['resolved', null, resolved],
    ['ignored', 'archived_forever', ignored],
  ]) {
    for (let i = 0; i < list.length; i += 500) {
      await metadata.db
        .updateTable('groups')
        .set({ status, substatus })
        .where('id', 'in', list.slice(i, i + 500))
        .execute();
    }
  }
  for (let k = 0; k < RELEASES; k++) {
    await createRelease(metadata, {
      organizationId: boot.organization_id,
      version: `app@1.${k}.0`,
      projectIds: projects,
    });
  }
  return { projects, firstId: ids[0] };
}

/** Inserts `count` events numbered from `offset`, generated inside ClickHouse. */
async function loadEvents({ projects, firstId }, offset, count) {
  const types = `[${EXCEPTION_TYPES.map((t) => `'${t}'`).join(',')}]`;
  const levels = `[${LEVELS.map((l) => `'${l}'`).join(',')}]`;
  // u(k): a uniform [0, 1) draw per event and salt k, reproducible across runs.
  const u = (k) => `(cityHash64(n, ${k}) % 1000000) / 1000000.0`;
  await clickhouse.client.command({
    query: `INSERT INTO events (project_id, timestamp, event_id, group_id, primary_hash, received, type, level,
        platform, logger, release, dist, environment, transaction, message, title, culprit, user_id, user_email,
        user_username, user_ip, user, sdk_name, sdk_version, trace_id, replay_id, exception_types, exception_values,
        handled, \`tags.key\`, \`tags.value\`, \`flags.key\`, \`flags.value\`, data, retention_days)
      SELECT project_id, ts, generateUUIDv4(n), ${firstId} + r, leftPad(lower(hex(r)), 32, '0'), ts, etype, level,
             'javascript', '', rel, '', env, url, concat(exc, ': ', val), concat(exc, ': ', val),
             concat('app/module', toString(r % 97), '.js in handler', toString(r % 13)),
             uid, email, '', '', usertag, 'sentry.javascript.browser', '8.40.0', '', '',
             if(etype = 'default', [], [exc]), if(etype = 'default', [], [val]),
             if(etype = 'default', NULL, handled),
             arrayConcat(['browser', 'browser.name', 'os.name', 'customer', 'region', 'url', 'environment', 'level', 'release', 'handled'],
                         if(usertag = '', [], ['user'])),
             arrayConcat([browser, browser, osname, concat('customer-', toString(cityHash64(n, 9) % 1000)),
                          arrayElement(['eu', 'us', 'ap', 'sa', 'af'], 1 + cityHash64(n, 10) % 5), url, env, level, rel,
                          if(handled = 1, 'yes', 'no')],
                         if(usertag = '', [], [usertag])),
             ['new-checkout', 'beta'],
             [if(cityHash64(n, 11) % 2 = 0, 'true', 'false'), if(cityHash64(n, 12) % 10 = 0, 'true', 'false')],
             concat('{"level":"', level, '","environment":"', env, '","release":"', rel, '","message":"', exc, ': ', val, '"}'),
             90
        FROM (
          SELECT number AS n,
                 toUInt32(floor(pow(${u(1)}, 2.5) * ${issueCount})) AS r,
                 if(r % 5 = 0, ${projects[1]}, ${projects[0]}) AS project_id,
                 arrayElement(${levels}, 1 + r % ${LEVELS.length}) AS level,
                 if(level = 'info', 'default', 'error') AS etype,
                 arrayElement(${types}, 1 + r % ${EXCEPTION_TYPES.length}) AS exc,
                 concat('Something failed in module ', toString(r % 500), ' #', toString(r)) AS val,
                 -- Issues of higher rank are younger; events are denser towards now.
                 toUInt32(floor(pow(${u(2)}, 1.5) * (30 * 86400) * (1 - 0.9 * r / ${issueCount}))) AS age,
                 now64(3, 'UTC') - toIntervalMillisecond(age * 1000 + cityHash64(n, 3) % 1000) AS ts,
                 concat('app@1.', toString(${RELEASES - 1} - least(${RELEASES - 1}, intDiv(age, 3 * 86400))), '.0') AS rel,
                 multiIf(${u(4)} < 0.7, 'production', ${u(4)} < 0.9, 'staging', 'development') AS env,
                 if(${u(5)} < 0.8, toString(cityHash64(n, 6) % 50000), '') AS uid,
                 if(uid != '' AND cityHash64(n, 7) % 4 = 0, concat('user', uid, '@example.com'), '') AS email,
                 if(uid = '', '', concat('id:', uid)) AS usertag,
                 multiIf(${u(8)} < 0.6, 'Chrome', ${u(8)} < 0.8, 'Firefox', ${u(8)} < 0.95, 'Safari', 'Edge') AS browser,
                 arrayElement(['Windows', 'macOS', 'Linux', 'iOS', 'Android'], 1 + cityHash64(n, 13) % 5) AS osname,
                 concat('https://shop.example.com/page/', toString(r % 50)) AS url,
                 toUInt8(cityHash64(n, 14) % 5 != 0) AS handled
            FROM numbers(${offset}, ${count})
        )`,
  });
}

/**
 * Waits until no part merge runs: generating events is far faster than ingest, and background
 * merges of many fresh parts next to the next insert would exceed the engine's memory cap.
 */
async function mergesSettled() {
  for (;;) {
    const [row] = await (
      await clickhouse.client.query({
        query: 'SELECT count() AS n FROM system.merges',
        format: 'JSONEachRow',
      })
    ).json();
    if (Number(row.n) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(name, pathAndQuery) {
  const times = [];
  let hits = null;
  let rows = 0;
  for (let i = 0; i < warmups + runs; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
    if (i >= warmups) times.push(ms);
    hits = res.headers.get('x-hits');
    rows = Array.isArray(body) ? body.length : 0;
  }
  times.sort((a, b) => a - b);
  return {
    name,
    p50Ms: Math.round(percentile(times, 50)),
    p95Ms: Math.round(percentile(times, 95)),
    hits,
    rows,
  };
}

const list = (params) => `/api/0/organizations/vigil/issues/?limit=25&statsPeriod=14d&${params}`;
const q = (query) => `query=${encodeURIComponent(query)}`;

const report = { issues: issueCount, runsPerQuery: runs, sizes: [] };
const setupStarted = performance.now();
const scope = await createIssues();
report.issueSetupSeconds = Math.round((performance.now() - setupStarted) / 100) / 10;
let loaded = 0;
for (const size of sizes) {
  const started = performance.now();
  // Inserts of 50 000 rows stay well inside the embedded engine's 1 GiB memory cap.
  for (let offset = loaded; offset < size; offset += LOAD_CHUNK) {
    await loadEvents(scope, offset, Math.min(LOAD_CHUNK, size - offset));
    await mergesSettled();
  }
  loaded = size;
  const loadSeconds = Math.round((performance.now() - started) / 100) / 10;
  const [{ total }] = await (
    await clickhouse.client.query({ query: 'SELECT count() AS total FROM events', format: 'JSONEachRow' })
  ).json();
  const top = (
    await (
      await fetch(`${base}${list(`${q('is:unresolved')}&sort=freq`)}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()
  )[0];
  const queries = [
    ['default issue list (is:unresolved, date)', list(q('is:unresolved'))],
    ['free text', list(q('is:unresolved failed in module 42'))],
    ['tag equality', list(q('is:unresolved browser:Firefox'))],
    ['is:unresolved sort=freq', list(`${q('is:unresolved')}&sort=freq`)],
    ['sort=user', list(`${q('is:unresolved')}&sort=user`)],
    ['times_seen:>1000', list(q('is:unresolved times_seen:>1000'))],
    ['first_seen relative (age:-7d)', list(q('is:unresolved age:-7d'))],
    ['sort=trends', list(`${q('is:unresolved')}&sort=trends`)],
    ['release:latest', list(q('is:unresolved release:latest'))],
    ['issue tags (top issue)', `/api/0/issues/${top.id}/tags/`],
  ];
  const results = [];
  for (const [name, url] of queries) results.push(await measure(name, url));
  report.sizes.push({ events: Number(total), loadSeconds, queries: results });
  console.error(`${size} events: ${JSON.stringify(results)}`);
}
await vigil.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify(report, null, 2));
