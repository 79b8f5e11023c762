/**
 * The fields of one stored profile or profile chunk that the profile pipelines produce
 * (src/processing/items/profiles/) and the `profiles` table stores and reads back
 * (src/storage/clickhouse/profiles.ts): the one definition both share (reference/relay-protocol.md
 * §14.5). Ids are 32 lowercase hex digits (`''` when absent); times, the payload and the data
 * category are typed by each side.
 */

/** A transaction-bound profile (`profile` item) or a continuous-profiling chunk (`profile_chunk`). */
export type ProfileKind = 'profile' | 'profile_chunk';

/** The descriptive fields of one profile or chunk (see the module comment). */
export interface ProfileFields {
  projectId: number;
  kind: ProfileKind;
  /** Transaction profiles: the profile id; chunks: the chunk id. 32 hex. */
  profileId: string;
  /** Chunks: the profiler (session) id, 32 hex; `''` for transaction profiles. */
  profilerId: string;
  /** Transaction profiles: the transaction's event id, 32 hex; `''` for chunks. */
  transactionId: string;
  transactionName: string;
  /** 32 hex or `''`. */
  traceId: string;
  release: string;
  environment: string;
  platform: string;
  /** From the profile's start to its end, milliseconds. */
  durationMs: number;
}
