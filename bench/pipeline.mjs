// Per-stage timing of the error pipeline (`npm run bench:pipeline`) on payloads captured
// from @sentry/node: JSON parse, normalize, scrub, group, title, the whole pipeline.
// Reports microseconds per event for each stage on one core.
import { parseEnvelope } from '../dist/protocol/envelope.js';
import { processErrorItem } from '../dist/processing/items/errors/process.js';
import { normalizeEvent } from '../dist/processing/normalize/index.js';
import { scrubEvent, DEFAULT_DATA_SCRUBBING } from '../dist/processing/pii/index.js';
import { computeGrouping, deriveTitleInfo } from '../dist/processing/grouping/index.js';
import { captureErrorEnvelopes } from './capture.mjs';

const payloads = (await captureErrorEnvelopes(200))
  .map((b) => parseEnvelope(b))
  .filter((r) => r.ok)
  .flatMap((r) => r.envelope.items.filter((i) => i.headers.type === 'event').map((i) => i.payload));
const ctx = { projectId: 1, receivedAt: Date.now() / 1000, clientIp: '127.0.0.1' };
const normalized = payloads
  .map((p) => JSON.parse(p.toString('utf8')))
  .map((e) => normalizeEvent(e, { ...ctx, itemType: 'event' }).event);
const scrubbed = normalized.map((e) => scrubEvent(e, DEFAULT_DATA_SCRUBBING));
const iterations = Number(process.env.BENCH_ITERATIONS ?? 4000);

function stage(name, prepare, fn) {
  let inputs = prepare();
  for (let i = 0; i < 200; i++) fn(inputs[i % inputs.length]); // warm-up
  inputs = prepare();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    if (i > 0 && i % inputs.length === 0) inputs = prepare();
    fn(inputs[i % inputs.length]);
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / iterations;
  return [name, Math.round(us * 10) / 10];
}

const rows = [
  stage(
    'json parse',
    () => payloads,
    (p) => JSON.parse(p.toString('utf8')),
  ),
  // normalize mutates its input, so each call gets a fresh parse; its own cost is this minus `json parse`.
  stage(
    'json parse + normalize',
    () => payloads,
    (p) => normalizeEvent(JSON.parse(p.toString('utf8')), { ...ctx, itemType: 'event' }),
  ),
  stage(
    'scrub',
    () => normalized,
    (e) => scrubEvent(e, DEFAULT_DATA_SCRUBBING),
  ),
  stage(
    'grouping',
    () => scrubbed,
    (e) => computeGrouping(e),
  ),
  stage(
    'title',
    () => scrubbed,
    (e) => deriveTitleInfo(e),
  ),
  stage(
    'whole pipeline',
    () => payloads,
    (p) => processErrorItem(p, ctx),
  ),
];
const avgBytes = Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length);
console.log(
  JSON.stringify(
    { events: payloads.length, avgPayloadBytes: avgBytes, microsecondsPerEvent: Object.fromEntries(rows) },
    null,
    2,
  ),
);
