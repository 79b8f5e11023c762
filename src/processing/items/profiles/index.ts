/**
 * Profiles (reference/relay-protocol.md §3.4, §14.5): transaction-bound `profile` items and
 * continuous `profile_chunk` items, validated as Relay's `relay-profiling` does. Pure: no I/O.
 */
export {
  MAX_PROFILE_CHUNK_DURATION_S,
  MAX_PROFILE_DURATION_NS,
  processProfileChunkItem,
  processProfileItem,
  profileChunkCategory,
  type ProcessedProfile,
  type ProfileItemContext,
} from './process.js';
