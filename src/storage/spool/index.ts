/** The on-disk spool of accepted data kept while the stores are unavailable. */
export { DiskSpool, frameBytes, type SpoolOptions, type SpoolRecord } from './spool.js';
