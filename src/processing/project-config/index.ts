/** A project's processing configuration (quotas, filters, scrubbing, sampling), parsed from Relay's JSON shape. */
export * from './config.js';
