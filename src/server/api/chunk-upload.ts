/**
 * Chunked upload (reference/sentry-semantics.md §8.3 steps 1 and 5; Sentry
 * `src/sentry/api/endpoints/chunk.py`):
 *
 * - `GET /api/0/organizations/{org}/chunk-upload/`: the upload options with Sentry's defaults.
 *   `url` is relative to `/api/0/` for sentry-cli ≥ 1.70.1 (which resolves it against the URL
 *   it was given) and absolute on `publicUrl` for older clients, as Sentry decides by the
 *   `User-Agent`. `accept` lists the chunked uploads Vigil assembles: artifact bundles.
 * - `POST` the same path: `multipart/form-data` with one `file` (raw) or `file_gzip`
 *   (gzip-compressed) part per chunk, named by the sha1 hex of its (uncompressed) bytes. Chunks
 *   are checked (size, count, request size, sha1) and stored in the metadata store, so every
 *   node can assemble them. Errors are `400 {"error": ...}` with Sentry's messages.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { putFileBlobs, type MetadataStore } from '../../storage/metadata/index.js';
import type { TokenAuth } from './auth.js';
import { organizationFor } from './context.js';
import { releasePrincipal } from './release-access.js';

/** Bytes of one chunk (Sentry's `SENTRY_CHUNK_UPLOAD_BLOB_SIZE`, 8 MiB). */
export const CHUNK_SIZE = 8 * 1024 * 1024;
/** Chunks per request (Sentry's `MAX_CHUNKS_PER_REQUEST`). */
export const MAX_CHUNKS_PER_REQUEST = 64;
/** Uncompressed bytes per request (Sentry's `MAX_REQUEST_SIZE`, 32 MiB). */
export const MAX_REQUEST_SIZE = 32 * 1024 * 1024;
/** Requests a client may run in parallel (Sentry's `MAX_CONCURRENCY`). */
export const MAX_CONCURRENCY = 8;
/** Largest assembled file (Sentry's default `system.maximum-file-size`, 2 GiB). */
export const MAX_FILE_SIZE = 2 * 1024 * 1024 * 1024;
/** The chunked uploads this server assembles (capability names of sentry-cli's `accept`). */
export const CHUNK_UPLOAD_ACCEPT = ['artifact_bundles', 'artifact_bundles_v2'] as const;

/** Oldest sentry-cli that resolves a relative upload `url` (Sentry's chunk.py). */
const RELATIVE_URL_CLI = [1, 70, 1];

/** Collaborators of {@link chunkUploadRoutes}. */
export interface ChunkUploadDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** The server's public base URL, for the absolute upload URL old clients need. */
  publicUrl: string;
}

/** Whether `userAgent` is a sentry-cli that understands a relative upload URL. */
export function supportsRelativeUploadUrl(userAgent: string | undefined): boolean {
  const match = /^sentry-cli\/(\d+)\.(\d+)\.(\d+)/.exec(userAgent ?? '');
  if (match === null) return false;
  const version = match.slice(1, 4).map(Number);
  for (let i = 0; i < 3; i++) {
    const part = version[i] ?? 0;
    const min = RELATIVE_URL_CLI[i] ?? 0;
    if (part !== min) return part > min;
  }
  return true;
}

/** A chunk as received: its claimed sha1 (the part's file name) and uncompressed bytes. */
interface ReceivedChunk {
  name: string;
  data: Buffer;
}

/** A request Sentry refuses with `400 {"error": message}`. */
class ChunkError extends Error {}

/** Registers the chunk-upload routes (an encapsulated plugin: multipart parsing stays here). */
export async function chunkUploadRoutes(app: FastifyInstance, deps: ChunkUploadDeps): Promise<void> {
  await app.register(async (scope) => {
    // A gzip part may be a little larger than the chunk it holds; larger parts are refused.
    await scope.register(multipart, {
      limits: { fileSize: CHUNK_SIZE + 64 * 1024, files: MAX_CHUNKS_PER_REQUEST + 1, fields: 100 },
    });

    scope.get('/api/0/organizations/:org/chunk-upload/', async (request) => {
      const principal = await releasePrincipal(deps.auth, request, 'GET');
      const organization = await organizationFor(
        deps.metadata,
        principal,
        (request.params as Record<string, string>).org ?? '',
      );
      const path = `organizations/${organization.slug}/chunk-upload/`;
      return {
        url: supportsRelativeUploadUrl(request.headers['user-agent'])
          ? path
          : new URL(`api/0/${path}`, `${deps.publicUrl.replace(/\/+$/, '')}/`).toString(),
        chunkSize: CHUNK_SIZE,
        chunksPerRequest: MAX_CHUNKS_PER_REQUEST,
        maxFileSize: MAX_FILE_SIZE,
        maxRequestSize: MAX_REQUEST_SIZE,
        concurrency: MAX_CONCURRENCY,
        hashAlgorithm: 'sha1',
        compression: ['gzip'],
        accept: CHUNK_UPLOAD_ACCEPT,
      };
    });

    scope.post('/api/0/organizations/:org/chunk-upload/', async (request, reply) => {
      const principal = await releasePrincipal(deps.auth, request, 'POST');
      const organization = await organizationFor(
        deps.metadata,
        principal,
        (request.params as Record<string, string>).org ?? '',
      );
      let received: ReceivedChunk[];
      try {
        received = await readChunks(request);
        checkChunks(received);
      } catch (error) {
        if (error instanceof ChunkError) return reply.code(400).send({ error: error.message });
        throw error;
      }
      await putFileBlobs(
        deps.metadata,
        organization.id,
        received.map((c) => ({ checksum: c.name, data: c.data })),
      );
      return reply.code(200).send();
    });
  });
}

/**
 * The `file` and `file_gzip` parts of the request, uncompressed. No multipart body means no
 * chunks (Sentry answers 200). Stops at the first chunk larger than {@link CHUNK_SIZE} or when
 * the request exceeds {@link MAX_REQUEST_SIZE}.
 */
async function readChunks(request: FastifyRequest): Promise<ReceivedChunk[]> {
  if (!request.isMultipart()) return [];
  const received: ReceivedChunk[] = [];
  let total = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const raw = await part.toBuffer();
      if (part.fieldname !== 'file' && part.fieldname !== 'file_gzip') continue;
      const data = part.fieldname === 'file_gzip' ? gunzipChunk(raw) : raw;
      if (data.length > CHUNK_SIZE) throw new ChunkError('Chunk size too large');
      total += data.length;
      if (total > MAX_REQUEST_SIZE) throw new ChunkError('Request too large');
      received.push({ name: part.filename, data });
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ChunkError('Chunk size too large');
    if (code === 'FST_FILES_LIMIT') throw new ChunkError('Too many chunks');
    throw error;
  }
  return received;
}

/** The request-level checks Sentry makes after reading: chunk count and each chunk's sha1. */
function checkChunks(received: readonly ReceivedChunk[]): void {
  if (received.length > MAX_CHUNKS_PER_REQUEST) throw new ChunkError('Too many chunks');
  for (const chunk of received) {
    if (createHash('sha1').update(chunk.data).digest('hex') !== chunk.name) {
      throw new ChunkError('Checksum mismatch');
    }
  }
}

/** A `file_gzip` part's bytes, decompressed (at most one byte past a chunk, to detect oversize). */
function gunzipChunk(raw: Buffer): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: CHUNK_SIZE + 1 });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ChunkError('Chunk size too large');
    throw new ChunkError('Invalid gzip chunk');
  }
}
