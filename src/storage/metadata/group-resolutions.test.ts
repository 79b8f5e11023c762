import { describe, expect, it } from 'vitest';
import { hasResolution, type ReleaseRef, type Resolution } from './group-resolutions.js';

const rel = (id: number | null, version: string, order: number): ReleaseRef => ({ id, version, order });
const v1 = rel(1, '1.0', 100);
const v2 = rel(2, '2.0', 200);
const old = rel(0, '0.9', 50);

function resolution(overrides: Partial<Resolution>): Resolution {
  return {
    groupId: 1,
    type: 'in_release',
    status: 'resolved',
    release: v1,
    currentReleaseVersion: null,
    actorId: null,
    datetime: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('hasResolution (Sentry GroupResolution.has_resolution)', () => {
  it('is never undone by an event without a release', () => {
    expect(
      hasResolution({
        resolution: resolution({}),
        event: null,
        currentRelease: undefined,
        followsSemver: false,
      }),
    ).toBe(true);
  });

  it('in_release by date: the resolving release and newer ones regress, older ones do not', () => {
    const check = (event: ReleaseRef) =>
      hasResolution({ resolution: resolution({}), event, currentRelease: undefined, followsSemver: false });
    expect(check(old)).toBe(true);
    expect(check(v1)).toBe(false);
    expect(check(v2)).toBe(false);
  });

  it('in_next_release by date: the current release and older ones do not regress', () => {
    const res = resolution({ type: 'in_next_release', status: 'pending', currentReleaseVersion: '1.0' });
    const check = (event: ReleaseRef) =>
      hasResolution({ resolution: res, event, currentRelease: v1, followsSemver: false });
    expect(check(v1)).toBe(true);
    expect(check(old)).toBe(true);
    expect(check(v2)).toBe(false);
    // Unknown versions are newest (Sentry creates them on the event).
    expect(check(rel(null, 'nightly', 1e15))).toBe(false);
  });

  it('in semver projects: versions above the current one regress, by version not by date', () => {
    const res = resolution({
      type: 'in_release',
      release: rel(3, 'app@1.0.0', 300),
      currentReleaseVersion: 'app@1.0.0',
    });
    const check = (version: string, order: number) =>
      hasResolution({
        resolution: res,
        event: rel(9, version, order),
        currentRelease: undefined,
        followsSemver: true,
      });
    expect(check('app@0.9.9', 1e15)).toBe(true);
    expect(check('app@1.0.0', 1)).toBe(true);
    expect(check('app@1.0.1', 1)).toBe(false);
  });
});
