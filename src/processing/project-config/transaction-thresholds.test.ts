import { describe, expect, it } from 'vitest';
import { parseProjectConfig, projectConfigJson } from './config.js';

const threshold = {
  threshold: 400,
  metric: 'lcp',
  editedBy: 1,
  dateAdded: '2025-03-01T12:00:00.000Z',
  dateUpdated: '2025-03-02T12:00:00.000Z',
};

describe('transaction thresholds in the project config', () => {
  it('keeps the project threshold and the overrides', () => {
    const raw = {
      transactionThreshold: threshold,
      transactionThresholdOverrides: [{ ...threshold, id: 1, transaction: 'GET /a', metric: 'duration' }],
    };
    const parsed = parseProjectConfig(raw);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    expect(parsed.config.transactionThreshold).toEqual(threshold);
    expect(parsed.config.transactionThresholdOverrides).toEqual([
      { ...threshold, id: 1, transaction: 'GET /a', metric: 'duration' },
    ]);
    expect(projectConfigJson(parsed.config)).toEqual(raw);
    expect(parseProjectConfig({}).ok && parseProjectConfig({})).toMatchObject({
      config: { transactionThresholdOverrides: [] },
    });
  });

  it('names every problem by its path', () => {
    const parsed = parseProjectConfig({
      transactionThreshold: { threshold: -1, metric: 'fcp' },
      transactionThresholdOverrides: [
        { ...threshold, id: 1, transaction: 'GET /a' },
        { ...threshold, id: 2, transaction: 'GET /a' },
        { ...threshold, id: 1, transaction: 'GET /b', editedBy: 'me' },
        'x',
      ],
    });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        'transactionThreshold.threshold: expected a non-negative integer (milliseconds)',
        'transactionThreshold.metric: expected one of duration, lcp',
        'transactionThresholdOverrides[1].transaction: duplicate',
        'transactionThresholdOverrides[2].id: duplicate',
        'transactionThresholdOverrides[2].editedBy: expected a user id or null',
        'transactionThresholdOverrides[3]: expected an object',
      ],
    });
  });
});
