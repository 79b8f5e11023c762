import { describe, it, expect } from 'vitest';
import {
  formatShortId,
  priorityFromLevel,
  serializeIssue,
  serializeIssueDetails,
  type GroupAggregates,
  type GroupRecord,
  type OrganizationRef,
  type ProjectRef,
} from './index.js';

const organization: OrganizationRef = { id: 1, slug: 'acme', name: 'Acme' };
const project: ProjectRef = { id: 7, slug: 'frontend', name: 'Frontend', platform: 'javascript' };

const group: GroupRecord = {
  id: 1234,
  projectId: 7,
  shortId: 33,
  type: 'error',
  status: 'unresolved',
  substatus: 'new',
  title: "TypeError: Cannot read properties of undefined (reading 'id')",
  culprit: 'handleClick(app/components/button)',
  level: 'error',
  metadata: {
    type: 'TypeError',
    value: "Cannot read properties of undefined (reading 'id')",
    filename: '/static/js/app.js',
  },
  firstRelease: 'frontend@1.2.3',
  dateCreated: new Date('2024-06-10T06:13:21.500Z'),
  resolvedAt: null,
  activeAt: new Date('2024-06-10T06:13:21.500Z'),
};

const agg: GroupAggregates = {
  count: 1520,
  userCount: 37,
  firstSeen: new Date('2024-06-10T06:13:20.123Z'),
  lastSeen: new Date('2024-06-11T09:00:00Z'),
};

describe('serializeIssue', () => {
  it('produces Sentry’s stream issue shape with string ids and a string count', () => {
    const json = serializeIssue(group, agg, project, { baseUrl: 'http://127.0.0.1:8000/', organization });
    expect(json).toEqual({
      id: '1234',
      shareId: null,
      shortId: 'FRONTEND-11',
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      culprit: 'handleClick(app/components/button)',
      permalink: 'http://127.0.0.1:8000/organizations/acme/issues/1234/',
      logger: null,
      level: 'error',
      status: 'unresolved',
      statusDetails: {},
      substatus: 'new',
      isPublic: false,
      platform: 'javascript',
      project: { id: '7', name: 'Frontend', slug: 'frontend', platform: 'javascript' },
      type: 'error',
      metadata: {
        type: 'TypeError',
        value: "Cannot read properties of undefined (reading 'id')",
        filename: '/static/js/app.js',
      },
      numComments: 0,
      assignedTo: null,
      isBookmarked: false,
      isSubscribed: false,
      subscriptionDetails: null,
      hasSeen: false,
      annotations: [],
      issueType: 'error',
      issueCategory: 'error',
      priority: 'high',
      priorityLockedAt: null,
      seerFixabilityScore: null,
      seerAutofixLastTriggered: null,
      isUnhandled: false,
      count: '1520',
      userCount: 37,
      firstSeen: '2024-06-10T06:13:20.123Z',
      lastSeen: '2024-06-11T09:00:00.000Z',
    });
    expect(typeof json.count).toBe('string');
    expect(typeof json.userCount).toBe('number');
    expect(json).not.toHaveProperty('stats');
    expect(json).not.toHaveProperty('lifetime');
  });

  it('uses stored logger, platform and priority when present', () => {
    const json = serializeIssue(
      { ...group, logger: 'django.request', platform: 'python', priority: 'low', level: 'warning' },
      { ...agg, isUnhandled: true },
      project,
      { baseUrl: 'https://vigil.example.com', organization },
    );
    expect(json.logger).toBe('django.request');
    expect(json.platform).toBe('python');
    expect(json.priority).toBe('low');
    expect(json.level).toBe('warning');
    expect(json.isUnhandled).toBe(true);
    expect(json.permalink).toBe('https://vigil.example.com/organizations/acme/issues/1234/');
  });

  it('maps unknown levels to "unknown" and falls back to the creation date for seen times', () => {
    const json = serializeIssue(
      { ...group, level: 'sample' },
      { count: 0, userCount: 0, firstSeen: null, lastSeen: null },
      project,
      { baseUrl: 'http://x', organization },
    );
    expect(json.level).toBe('unknown');
    expect(json.priority).toBe('medium');
    expect(json.count).toBe('0');
    expect(json.firstSeen).toBe('2024-06-10T06:13:21.500Z');
    expect(json.lastSeen).toBe('2024-06-10T06:13:21.500Z');
  });

  it('adds stats, lifetime and filtered like the stream serializer', () => {
    const stats = {
      '24h': [
        [1717999200, 3],
        [1718002800, 0],
      ] as Array<[number, number]>,
    };
    const json = serializeIssue(group, agg, project, {
      baseUrl: 'http://x',
      organization,
      stats,
      lifetime: { ...agg, count: 9000, userCount: 100 },
      filtered: null,
    });
    expect(json.stats).toEqual({
      '24h': [
        [1717999200, 3],
        [1718002800, 0],
      ],
    });
    expect(json.lifetime).toEqual({
      count: '9000',
      userCount: 100,
      firstSeen: '2024-06-10T06:13:20.123Z',
      lastSeen: '2024-06-11T09:00:00.000Z',
      stats: null,
    });
    expect(json.filtered).toBeNull();

    const filtered = serializeIssue(group, agg, project, {
      baseUrl: 'http://x',
      organization,
      stats,
      filtered: { ...agg, count: 5 },
    });
    expect(filtered.filtered).toEqual({
      count: '5',
      userCount: 37,
      firstSeen: '2024-06-10T06:13:20.123Z',
      lastSeen: '2024-06-11T09:00:00.000Z',
      stats: {
        '24h': [
          [1717999200, 3],
          [1718002800, 0],
        ],
      },
    });
  });
});

describe('priorityFromLevel', () => {
  it.each([
    ['fatal', 'high'],
    ['error', 'high'],
    ['warning', 'medium'],
    ['info', 'low'],
    ['debug', 'low'],
    ['whatever', 'medium'],
  ])('%s → %s', (level, priority) => {
    expect(priorityFromLevel(level)).toBe(priority);
  });
});

describe('formatShortId', () => {
  it.each([
    ['default', 1, 'DEFAULT-1'],
    ['default', 31, 'DEFAULT-Z'],
    ['default', 32, 'DEFAULT-10'],
    ['my-app', 18, 'MY-APP-J'],
    ['backend', 1000, 'BACKEND-Z8'],
  ])('%s #%d → %s', (slug, counter, expected) => {
    expect(formatShortId(slug, counter)).toBe(expected);
  });
});

describe('serializeIssueDetails', () => {
  it('adds the detail-endpoint fields with neutral defaults', () => {
    const json = serializeIssueDetails(
      group,
      agg,
      project,
      { baseUrl: 'http://x', organization },
      {
        tags: [
          { key: 'level', name: 'Level', totalValues: 3 },
          { key: 'browser', name: 'Browser', totalValues: 3 },
        ],
        stats: { '24h': [[1717999200, 1]], '30d': [[1717977600, 4]] },
      },
    );
    expect(json.id).toBe('1234');
    expect(json.count).toBe('1520');
    expect(json.firstRelease).toEqual({ version: 'frontend@1.2.3' });
    expect(json.lastRelease).toBeNull();
    expect(json.tags).toEqual([
      { key: 'browser', name: 'Browser', totalValues: 3 },
      { key: 'level', name: 'Level', totalValues: 3 },
    ]);
    expect(json.activity).toEqual([]);
    expect(json.seenBy).toEqual([]);
    expect(json.participants).toEqual([]);
    expect(json.userReportCount).toBe(0);
    expect(json.pluginActions).toEqual([]);
    expect(json.pluginIssues).toEqual([]);
    expect(json.pluginContexts).toEqual([]);
    expect(json.stats).toEqual({ '24h': [[1717999200, 1]], '30d': [[1717977600, 4]] });
  });
});
