// What the throughput benchmarks share: the built server started as its own process on a
// fresh data dir, its peak RSS, and replaying SDK-captured envelopes as new data.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts `vigil start` on `port` with `dataDir` (and the YAML config file `configFile`, if
 * given); resolves with the child, DSN and API token.
 */
export function startServer(dataDir, port, configFile) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
      path.join(root, 'dist/cli/main.js'),
      'start',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...(configFile ? ['--config', configFile] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const dsn = /DSN:\s+(\S+)/.exec(out);
      const token = /API token:\s+(\S+)/.exec(out);
      if (dsn && token) resolve({ child, dsn: dsn[1], token: token[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** The peak resident set size of a live process, in MiB (VmHWM). */
export function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0; // the process is gone
  }
}

/**
 * A captured envelope body with its envelope-header `event_id` (when it has one) replaced by a
 * fresh id everywhere it occurs (the header, the event or replay payload), so each replayed
 * request is new data. Ids are 32 hex characters either way, so item lengths stay right.
 */
export function withFreshIds(body) {
  const newline = body.indexOf(10);
  const header = JSON.parse(body.subarray(0, newline).toString('utf8'));
  const id = header.event_id;
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) return body;
  const text = body.toString('latin1');
  return Buffer.from(text.split(id).join(randomUUID().replace(/-/g, '')), 'latin1');
}

/** CPU seconds (user + system, all threads) a live process used so far (/proc/<pid>/stat, 100 Hz ticks). */
export function processCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
