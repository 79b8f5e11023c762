/**
 * Relay's browser report endpoints (`relay-server/src/endpoints/security_report.rs`, `nel.rs`;
 * reference/relay-protocol.md §1.1, §1.4), authenticated by the DSN key in the query string
 * (`?sentry_key=…`) as browsers post them without headers of ours:
 *
 * - `POST /api/{project_id}/security/` and its legacy alias `/csp-report/`: content types
 *   `application/json`, `application/csp-report`, `application/expect-ct-report(+json)`,
 *   `application/expect-staple-report` and the Reporting API's `application/reports+json`
 *   (Relay #3293); anything else is 415 with an empty body. A legacy body is one security report;
 *   a Reporting API list is split (src/processing/items/security/reporting-api.ts): each security
 *   report becomes its own envelope with one `raw_security` item (so each is one event, carrying
 *   `sentry_release` / `sentry_environment` from the query as item headers), and the list's
 *   `network-error` reports go together into one envelope with a `nel` item (they become logs).
 * - `POST /api/{project_id}/nel/`: `application/json` or `application/reports+json`, a JSON list
 *   of NEL reports → one `nel` item (a body that is not a list yields nothing, as in Relay).
 *
 * Each answers 200 with an empty body; bodies are capped at `max_event_size` (413); an empty body
 * is 400. `OPTIONS` is the CORS preflight of the envelope endpoint.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope, EnvelopeItem } from '../../protocol/envelope.js';
import type { JsonValue } from '../../protocol/json.js';
import { splitSecurityBody } from '../../processing/items/security/index.js';
import { generateEventId } from './event-id.js';
import { sendError, withRateLimits } from './http.js';
import { resolveSizeLimits } from './limits.js';
import { preflight } from './routes.js';
import {
  authorizeKeyRequest,
  drainBody,
  enqueueEnvelope,
  ingestClock,
  parseJsonBody,
  prepareIngestPlugin,
  rawQuery,
  readIngestBody,
  rejectUnread,
  requestMediaType,
  requestMetaOf,
  type IngestResult,
} from './route-kit.js';
import { checkProjectAccess } from './project-access.js';
import type { IngestDeps } from './types.js';
import type { IngestError } from './errors.js';

/** Media types (`type/subtype[+suffix]`, lowercase, no parameters) the security endpoint takes. */
export const SECURITY_REPORT_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/csp-report',
  'application/expect-ct-report',
  'application/expect-ct-report+json',
  'application/expect-staple-report',
  'application/reports+json',
]);

/** Media types the NEL endpoint takes. */
export const NEL_MEDIA_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/reports+json']);

type Endpoint = 'security' | 'nel';

const ROUTES: ReadonlyArray<[string, Endpoint]> = [
  ['/api/:projectId/security/', 'security'],
  ['/api/:projectId/security', 'security'],
  ['/api/:projectId/csp-report/', 'security'],
  ['/api/:projectId/csp-report', 'security'],
  ['/api/:projectId/nel/', 'nel'],
  ['/api/:projectId/nel', 'nel'],
];

/** The `nel` item carrying a list of NEL reports. */
function nelItem(reports: JsonValue[]): EnvelopeItem {
  return {
    headers: { type: 'nel', content_type: 'application/json' },
    payload: Buffer.from(JSON.stringify(reports)),
  };
}

/**
 * Registers the security (`/security/`, `/csp-report/`) and NEL (`/nel/`) endpoints on `app`, as
 * their own plugin: `app.register(securityReportRoutes, deps)`. See the module comment.
 */
export async function securityReportRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  prepareIngestPlugin(app);

  for (const [url, endpoint] of ROUTES) {
    app.route({
      method: ['POST', 'OPTIONS'],
      url,
      handler: (request, reply) =>
        request.method === 'OPTIONS' ? preflight(request, reply) : handle(endpoint, request, reply),
    });
  }

  async function handle(
    endpoint: Endpoint,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const receivedAt = now();
    const accepted = endpoint === 'security' ? SECURITY_REPORT_MEDIA_TYPES : NEL_MEDIA_TYPES;
    if (!accepted.has(requestMediaType(request))) {
      drainBody(request);
      return reply.code(415).send();
    }
    const authorized = await authorizeKeyRequest(deps, request);
    if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
    const { access, auth } = authorized.value;

    const body = await readIngestBody(request, deps, limits.maxEventSize);
    if (!body.ok) return rejectUnread(request, reply, body.error);
    if (body.value.length === 0) return sendError(reply, { kind: 'empty_body' });

    const meta = requestMetaOf(request, auth.auth.client, receivedAt);
    const envelopes =
      endpoint === 'security'
        ? ({ ok: true, value: securityEnvelopes(request, body.value) } as const)
        : nelEnvelopes(body.value);
    if (!envelopes.ok) return sendError(reply, envelopes.error);
    const key = checkProjectAccess(deps, access, envelopes.value, meta);
    if (!key.ok) return sendError(reply, key.error);
    // One envelope per report: the request is refused (429) only when every report was limited.
    let limited: IngestError | undefined;
    let queuedAny = false;
    for (const envelope of envelopes.value) {
      const size = envelope.items.reduce((sum, item) => sum + item.payload.length, 0);
      const queued = enqueueEnvelope(deps, key.value, envelope, meta, size);
      if (queued.ok) {
        queuedAny = true;
        withRateLimits(reply, queued.rateLimits);
      } else if (queued.error.kind === 'rate_limited') limited = queued.error;
      else return sendError(reply, queued.error);
    }
    if (!queuedAny && limited !== undefined) return sendError(reply, limited);
    return reply.code(200).send();
  }

  /** One envelope per security report, plus one for the NEL reports of a Reporting API list. */
  function securityEnvelopes(request: FastifyRequest, body: Buffer): Envelope[] {
    const query = new URLSearchParams(rawQuery(request.url));
    const reportHeaders: Record<string, string> = {};
    const release = query.get('sentry_release');
    const environment = query.get('sentry_environment');
    if (release !== null) reportHeaders.sentry_release = release;
    if (environment !== null) reportHeaders.sentry_environment = environment;
    const split = splitSecurityBody(body);
    const envelopes: Envelope[] = split.security.map((payload) => ({
      headers: { event_id: generateEventId() },
      items: [
        { headers: { type: 'raw_security', content_type: 'application/json', ...reportHeaders }, payload },
      ],
    }));
    if (split.nel.length > 0) envelopes.push({ headers: {}, items: [nelItem(split.nel)] });
    return envelopes;
  }

  /** The NEL endpoint's body: a JSON list of reports (400 when not JSON; nothing when not a list). */
  function nelEnvelopes(body: Buffer): IngestResult<Envelope[]> {
    const json = parseJsonBody(body);
    if (!json.ok) return json;
    const parsed = json.value;
    if (!Array.isArray(parsed) || parsed.length === 0) return { ok: true, value: [] };
    return { ok: true, value: [{ headers: {}, items: [nelItem(parsed as JsonValue[])] }] };
  }
}
