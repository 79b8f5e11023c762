// Reads what a stopped Vigil stored, straight from its embedded ClickHouse: `node
// telemetry-counts.mjs <dataDir>` prints one JSON line with the number of rows per event id, per
// load log body (tests/e2e/clients/node-load.mjs) and the `accepted` outcomes summed by data
// category id. Runs as its own process because chDB binds one data directory per process; the
// server must be stopped first.
import { openClickHouse } from '../../dist/storage/clickhouse/index.js';

const [dataDir] = process.argv.slice(2);
const store = await openClickHouse({ dataDir });
const rows = async (query, params) =>
  (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json();

const events = await rows(
  `SELECT replaceAll(toString(event_id), '-', '') AS id, count() AS n FROM events GROUP BY id`,
);
const logs = await rows(
  `SELECT body, count() AS n FROM logs WHERE startsWith(body, 'load log ') GROUP BY body`,
);
const outcomes = await rows(
  `SELECT category, sum(quantity) AS n FROM outcomes WHERE outcome = 0 GROUP BY category`,
);
await store.close();
console.log(
  JSON.stringify({
    events: Object.fromEntries(events.map((r) => [r.id, Number(r.n)])),
    logs: Object.fromEntries(logs.map((r) => [r.body, Number(r.n)])),
    accepted: Object.fromEntries(outcomes.map((r) => [String(r.category), Number(r.n)])),
  }),
);
