/**
 * `vigil start`: creates the server, listens, prints the DSN and the API token, and
 * shuts down cleanly on SIGTERM/SIGINT (nothing answered with 200 is lost: what the stores could
 * not take in time is spooled to disk and replayed at the next start).
 */
import type { VigilConfig } from '../server/config.js';
import { createVigil } from '../server/app.js';

/** Starts Vigil with `config` and resolves once it is listening. */
export async function startServer(config: VigilConfig): Promise<void> {
  const vigil = await createVigil(config);
  await vigil.app.listen({ host: config.host, port: config.port });
  const lines = [
    `Vigil is listening on ${config.publicUrl}`,
    `DSN:       ${vigil.dsn}`,
    `API token: ${vigil.adminToken ?? '(not available; create one with `vigil tokens create`)'}`,
    `Data dir:  ${config.dataDir}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal means "now": exit without waiting for the drain.
      vigil.logger.warn({ signal }, 'second signal: exiting without finishing the drain');
      process.exit(1);
    }
    stopping = true;
    vigil.logger.info({ signal }, 'shutting down: draining the queue and flushing the stores');
    vigil.close().then(
      (report) => {
        const { spooledEnvelopes, spooledRows, spoolDir } = report;
        process.stdout.write(
          spooledEnvelopes + spooledRows === 0
            ? 'Vigil stopped: queue drained, stores flushed\n'
            : `Vigil stopped: ${spooledEnvelopes} envelopes and ${spooledRows} rows spooled to ${spoolDir}, replayed at the next start\n`,
        );
        process.exit(0);
      },
      (err: unknown) => {
        vigil.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
