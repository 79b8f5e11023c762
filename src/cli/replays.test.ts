import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  formatReplayDetails,
  formatReplayLines,
  recordingApiPath,
  registerReplayCommands,
  replaysApiPath,
} from './replays.js';

const ID = 'ab'.repeat(16);

describe('replay API paths', () => {
  it('maps the list options to the organization replay list', () => {
    expect(replaysApiPath({})).toBe('/api/0/organizations/vigil/replays/?per_page=25');
    expect(
      replaysApiPath({
        project: '2',
        environment: 'prod',
        statsPeriod: '24h',
        sort: '-count_errors',
        limit: '5',
      }),
    ).toBe(
      '/api/0/organizations/vigil/replays/?per_page=5&project=2&environment=prod&statsPeriod=24h&sort=-count_errors',
    );
  });

  it('downloads all segments or one', () => {
    expect(recordingApiPath(ID, {})).toBe(
      `/api/0/projects/vigil/default/replays/${ID}/recording-segments/?download`,
    );
    expect(recordingApiPath(ID, { project: 'shop', segment: '3', org: 'acme' })).toBe(
      `/api/0/projects/acme/shop/replays/${ID}/recording-segments/3/?download`,
    );
  });
});

describe('formatting', () => {
  const replay = {
    id: ID,
    project_id: '1',
    started_at: '2025-03-01T12:00:00.000Z',
    finished_at: '2025-03-01T12:01:00.000Z',
    duration: 60,
    count_segments: 2,
    count_errors: 1,
    error_ids: ['e1'.repeat(16)],
    trace_ids: [],
    urls: ['http://shop/', 'http://shop/pay'],
    user: { display_name: 'jane' },
    browser: { name: 'Chrome', version: '120.0' },
    os: { name: 'Linux', version: null },
    sdk: { name: 'sentry.javascript.browser', version: '11.11.0' },
    releases: ['web@1'],
    environment: 'prod',
    replay_type: 'session',
    clicks: [{}],
    count_dead_clicks: 0,
    count_rage_clicks: 0,
  };

  it('prints one tab-separated line per replay', () => {
    expect(formatReplayLines({ data: [replay, { id: 'x', user: {}, urls: [] }] })).toEqual([
      'started_at\tid\tduration\tsegments\terrors\tuser\tbrowser\turl',
      `2025-03-01T12:00:00.000Z\t${ID}\t60\t2\t1\tjane\tChrome 120.0\thttp://shop/`,
      '-\tx\t-\t0\t0\t-\t-\t-',
    ]);
  });

  it('prints the details of one replay', () => {
    const lines = formatReplayDetails({ data: replay });
    expect(lines).toContain(`errors: ${'e1'.repeat(16)}`);
    expect(lines).toContain('os: Linux');
    expect(lines).toContain('urls: http://shop/, http://shop/pay');
    expect(lines).toContain('clicks: 1 (dead 0, rage 0)');
  });
});

describe('registerReplayCommands', () => {
  it('adds list, show and download under `replays`', () => {
    const program = new Command();
    registerReplayCommands(program);
    const replays = program.commands.find((c) => c.name() === 'replays');
    expect(replays?.commands.map((c) => c.name())).toEqual(['list', 'show', 'download']);
  });
});
