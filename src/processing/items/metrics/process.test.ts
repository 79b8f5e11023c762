import { describe, expect, it } from 'vitest';
import { metricBucketNamespaces, metricItemOutcome, statsdBucketNamespaces } from './index.js';

describe('statsd and metric_buckets items', () => {
  it('counts parseable statsd lines per namespace and skips broken ones', () => {
    const payload = Buffer.from(
      [
        'endpoint.response_time@millisecond:57|d|#route:user_index|T1615889449',
        'endpoint.hits:1|c',
        'transactions/foo:1:2:3|d',
        'stats/internal:1|c',
        'broken line',
        'no.type:1|x',
        'bad.counter:1:2|c',
        'bad.time:1|c|Tsoon',
        '',
      ].join('\n'),
    );
    expect(statsdBucketNamespaces(payload)).toEqual(['custom', 'custom', 'transactions', 'stats']);
    expect(metricItemOutcome('statsd', payload)).toEqual({
      outcome: 'filtered',
      reason: 'disabled-namespace',
      category: 'metric_bucket',
      quantity: 3,
    });
  });

  it('counts JSON buckets, and nothing for a payload that is not a bucket list', () => {
    const bucket = { timestamp: 1615889440, width: 10, name: 'c:custom/foo@none', type: 'c', value: 4 };
    const payload = Buffer.from(
      JSON.stringify([bucket, { ...bucket, name: 'd:spans/exclusive_time@ms', type: 'd', value: [1] }]),
    );
    expect(metricBucketNamespaces(payload)).toEqual(['custom', 'spans']);
    expect(metricItemOutcome('metric_buckets', payload)?.quantity).toBe(2);
    expect(metricItemOutcome('metric_buckets', Buffer.from('{}'))).toBeUndefined();
    expect(
      metricItemOutcome('metric_buckets', Buffer.from(JSON.stringify([bucket, { name: 'x' }]))),
    ).toBeUndefined();
    expect(metricItemOutcome('statsd', Buffer.from('stats/x:1|c'))).toBeUndefined();
  });
});
