/**
 * Relay's health checks (`relay-server/src/endpoints/health_check.rs`):
 * `GET /api/relay/healthcheck/live/` answers while the process serves HTTP, and
 * `GET /api/relay/healthcheck/ready/` while it can also take data: both stores answer, the
 * process is under its memory ceiling, the disk spool is not full and it is not shutting down
 * (the composition root decides, `app.ts`). Healthy
 * is 200 `{"is_healthy":true}`, unhealthy 503 `{"is_healthy":false}`; no authentication, as in
 * Relay, so load balancers and orchestrators can probe it.
 */
import type { FastifyInstance } from 'fastify';

/** What the readiness check asks. */
export interface HealthDeps {
  /** True when the process can take data (stores reachable, memory and spool below their limits). Must not throw. */
  ready(): Promise<boolean>;
}

/** Registers the two health routes (with and without the trailing slash). */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const answer = (healthy: boolean) => ({ is_healthy: healthy });
  for (const path of ['/api/relay/healthcheck/live/', '/api/relay/healthcheck/live']) {
    app.get(path, async () => answer(true));
  }
  for (const path of ['/api/relay/healthcheck/ready/', '/api/relay/healthcheck/ready']) {
    app.get(path, async (_request, reply) => {
      const healthy = await deps.ready();
      return reply.code(healthy ? 200 : 503).send(answer(healthy));
    });
  }
}
