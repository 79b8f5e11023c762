/** A project's processing configuration (quotas, filters, scrubbing), parsed from Relay's JSON shape. */
export * from './config.js';
