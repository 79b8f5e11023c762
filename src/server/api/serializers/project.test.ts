import { describe, it, expect } from 'vitest';
import {
  projectColor,
  serializeOrganization,
  serializeProject,
  serializeProjectKey,
  type OrganizationRecord,
  type ProjectKeyRecord,
  type ProjectRecord,
} from './index.js';

const org: OrganizationRecord = {
  id: 1,
  slug: 'acme',
  name: 'Acme',
  dateCreated: new Date('2024-01-02T03:04:05.006Z'),
};
const project: ProjectRecord = {
  id: 7,
  slug: 'frontend',
  name: 'Frontend',
  platform: 'javascript',
  dateCreated: new Date('2024-01-03T00:00:00Z'),
};

describe('serializeOrganization', () => {
  it('has every field sentry-cli requires, with Sentry’s types', () => {
    expect(
      serializeOrganization(org, {
        baseUrl: 'http://127.0.0.1:8000/',
        features: ['shared-issues', 'discover'],
      }),
    ).toEqual({
      id: '1',
      slug: 'acme',
      status: { id: 'active', name: 'active' },
      name: 'Acme',
      dateCreated: '2024-01-02T03:04:05.006Z',
      isEarlyAdopter: false,
      require2FA: false,
      requireEmailVerification: false,
      avatar: { avatarType: 'letter_avatar', avatarUuid: null, avatarUrl: null },
      allowMemberInvite: true,
      allowMemberProjectCreation: true,
      allowSuperuserAccess: true,
      links: { organizationUrl: 'http://127.0.0.1:8000', regionUrl: 'http://127.0.0.1:8000' },
      hasAuthProvider: false,
      features: ['discover', 'shared-issues'],
      extraOptions: { traces: { spansExtractionDate: null, checkSpanExtractionDate: false } },
    });
  });

  it('falls back to the slug for an empty name', () => {
    const json = serializeOrganization({ ...org, name: '' });
    expect(json.name).toBe('acme');
    expect(json.features).toEqual([]);
    expect(json.links).toEqual({ organizationUrl: '', regionUrl: '' });
  });
});

describe('serializeProject', () => {
  it('produces the list shape with team, access and flags', () => {
    const json = serializeProject(project, org, {
      teams: [{ id: 3, slug: 'web', name: 'Web' }],
      firstEvent: new Date('2024-01-04T10:00:00Z'),
      has: { releases: true, replays: true },
      environments: ['production', 'staging'],
      latestRelease: 'frontend@1.2.3',
      access: ['project:read'],
    });
    expect(json).toMatchObject({
      id: '7',
      slug: 'frontend',
      name: 'Frontend',
      platform: 'javascript',
      dateCreated: '2024-01-03T00:00:00.000Z',
      isBookmarked: false,
      isMember: true,
      features: ['releases'],
      firstEvent: '2024-01-04T10:00:00.000Z',
      firstTransactionEvent: false,
      access: ['project:read'],
      hasAccess: true,
      hasReplays: true,
      hasSessions: false,
      hasProfiles: false,
      isPublic: false,
      avatar: { avatarType: 'letter_avatar', avatarUuid: null },
      color: '#453fbf',
      status: 'active',
      team: { id: '3', slug: 'web', name: 'Web' },
      teams: [{ id: '3', slug: 'web', name: 'Web' }],
      environments: ['production', 'staging'],
      eventProcessing: { symbolicationDegraded: false },
      platforms: ['javascript'],
      latestRelease: { version: 'frontend@1.2.3' },
      hasUserReports: false,
      latestDeploys: null,
    });
    expect(json).not.toHaveProperty('options');
    expect(json).not.toHaveProperty('organization');
  });

  it('defaults to no team, owner access and no first event', () => {
    const json = serializeProject({ ...project, platform: null }, org);
    expect(json.team).toBeNull();
    expect(json.teams).toEqual([]);
    expect(json.firstEvent).toBeNull();
    expect(json.platforms).toEqual([]);
    expect(json.latestRelease).toBeNull();
    expect(json.access).toContain('project:releases');
    expect(json.access).toContain('event:admin');
  });

  it('adds detail fields and the organization when detailed', () => {
    const json = serializeProject(project, org, {
      detailed: true,
      organizationOptions: { baseUrl: 'http://x' },
    });
    expect(json).toMatchObject({
      allowedDomains: ['*'],
      resolveAge: 0,
      dataScrubber: true,
      dataScrubberDefaults: true,
      scrapeJavaScript: true,
      processingIssues: 0,
      defaultEnvironment: null,
      plugins: [],
      symbolSources: '[]',
    });
    expect((json.organization as Record<string, unknown>).slug).toBe('acme');
    expect((json.options as Record<string, unknown>)['filters:blacklisted_ips']).toBe('');
  });
});

describe('projectColor', () => {
  // Values computed with Sentry's get_hashed_color in CPython (md5 + colorsys.hls_to_rgb).
  it.each([
    ['default', '#853fbf'],
    ['frontend', '#453fbf'],
    ['backend', '#5c3fbf'],
    ['pump-station', '#bf3f56'],
    ['a', '#bf653f'],
  ])('%s → %s', (slug, color) => {
    expect(projectColor(slug)).toBe(color);
  });
});

describe('serializeProjectKey', () => {
  const key: ProjectKeyRecord = {
    publicKey: '0123456789abcdef0123456789abcdef',
    secretKey: 'fedcba9876543210fedcba9876543210',
    label: 'Default',
    isActive: true,
    dateCreated: new Date('2024-01-03T00:00:01Z'),
  };

  it('builds every DSN endpoint like Sentry’s ProjectKey', () => {
    expect(serializeProjectKey(key, { id: 7 }, { dsnHost: '127.0.0.1:8000', protocol: 'http' })).toEqual({
      id: '0123456789abcdef0123456789abcdef',
      name: 'Default',
      label: 'Default',
      public: '0123456789abcdef0123456789abcdef',
      secret: 'fedcba9876543210fedcba9876543210',
      projectId: 7,
      isActive: true,
      rateLimit: null,
      dsn: {
        secret: 'http://0123456789abcdef0123456789abcdef:fedcba9876543210fedcba9876543210@127.0.0.1:8000/7',
        public: 'http://0123456789abcdef0123456789abcdef@127.0.0.1:8000/7',
        csp: 'http://127.0.0.1:8000/api/7/csp-report/?sentry_key=0123456789abcdef0123456789abcdef',
        security: 'http://127.0.0.1:8000/api/7/security/?sentry_key=0123456789abcdef0123456789abcdef',
        minidump: 'http://127.0.0.1:8000/api/7/minidump/?sentry_key=0123456789abcdef0123456789abcdef',
        nel: 'http://127.0.0.1:8000/api/7/nel/?sentry_key=0123456789abcdef0123456789abcdef',
        unreal: 'http://127.0.0.1:8000/api/7/unreal/0123456789abcdef0123456789abcdef/',
        crons: 'http://127.0.0.1:8000/api/7/cron/___MONITOR_SLUG___/0123456789abcdef0123456789abcdef/',
        cdn: 'http://127.0.0.1:8000/js-sdk-loader/0123456789abcdef0123456789abcdef.min.js',
      },
      browserSdkVersion: 'latest',
      browserSdk: { choices: [['latest', 'latest']] },
      dateCreated: '2024-01-03T00:00:01.000Z',
      dynamicSdkLoaderOptions: { hasReplay: true, hasPerformance: true, hasDebug: false },
      useCase: 'user',
    });
  });

  it('names unlabeled keys after the public key and keeps rate limits', () => {
    const json = serializeProjectKey(
      { ...key, label: '', isActive: false, rateLimit: { window: 60, count: 1000 } },
      { id: 12 },
      { dsnHost: 'vigil.example.com', protocol: 'https' },
    );
    expect(json.name).toBe('0123456789abcd');
    expect(json.label).toBe('0123456789abcd');
    expect(json.isActive).toBe(false);
    expect(json.rateLimit).toEqual({ window: 60, count: 1000 });
    expect((json.dsn as Record<string, string>).public).toBe(
      'https://0123456789abcdef0123456789abcdef@vigil.example.com/12',
    );
  });
});
