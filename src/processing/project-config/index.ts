/**
 * A project's processing configuration (quotas, filters, scrubbing, sampling), parsed from
 * Relay's JSON shape, and Sentry's project settings mapped onto it.
 */
export * from './config.js';
export * from './sentry-settings.js';
export * from './transaction-thresholds.js';
