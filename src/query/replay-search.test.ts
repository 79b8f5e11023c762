import { describe, expect, it } from 'vitest';
import { compileReplaySearch } from './replay-search.js';

describe('compileReplaySearch', () => {
  it('compiles row fields with "some row matches" semantics and negation at the replay level', () => {
    expect(compileReplaySearch('browser.name:Chrome')).toEqual({
      ok: true,
      value: {
        sql: 'countIf(segment_id IS NOT NULL AND browser_name = {p0:String}) > 0',
        params: { p0: 'Chrome' },
      },
    });
    const negated = compileReplaySearch('!click.tag:button');
    expect(negated).toMatchObject({
      ok: true,
      value: { sql: expect.stringMatching(/^countIf\(segment_id IS NULL AND .*\) = 0$/) as unknown },
    });
  });

  it('compiles aggregates, durations in seconds, and boolean structure', () => {
    const result = compileReplaySearch('count_errors:>1 OR (duration:>=2m url:*checkout*)');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value!.sql).toContain('length(groupUniqArrayArray(error_ids)) > {p0:Float64}');
    expect(result.value!.sql).toContain("dateDiff('second'");
    expect(result.value!.sql).toContain(' OR ');
    expect(result.value!.params).toMatchObject({ p0: 1, p1: 120 });
  });

  it('returns null for an empty query and errors for what it does not support', () => {
    expect(compileReplaySearch('  ')).toEqual({ ok: true, value: null });
    expect(compileReplaySearch('tags[foo]:bar')).toMatchObject({ ok: false, error: { type: 'unsupported' } });
    expect(compileReplaySearch('free text')).toMatchObject({ ok: false });
    expect(compileReplaySearch('count_errors:abc')).toMatchObject({ ok: false });
  });

  it('binds every user value as a parameter', () => {
    const result = compileReplaySearch('user.email:"x\' OR 1=1 --"');
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value!.sql).not.toContain('OR 1=1');
    expect(Object.values(result.value!.params)).toContain("x' OR 1=1 --");
  });
});
