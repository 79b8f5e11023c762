import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { feedbackApiPath, formatFeedbackLines, registerFeedbackCommands } from './feedback.js';

describe('feedbackApiPath', () => {
  it('maps the options to the organization feedback list', () => {
    expect(feedbackApiPath({})).toBe('/api/0/organizations/vigil/feedback/?per_page=25');
    expect(feedbackApiPath({ project: 'shop', statsPeriod: '14d', limit: '5', org: 'acme co' })).toBe(
      '/api/0/organizations/acme%20co/feedback/?per_page=5&projectSlug=shop&statsPeriod=14d',
    );
  });
});

describe('formatFeedbackLines', () => {
  it('prints one tab-separated line per feedback', () => {
    expect(
      formatFeedbackLines([
        {
          timestamp: '2025-03-01T12:00:00.000Z',
          id: 'f1'.repeat(16),
          name: 'Jane',
          contact_email: 'jane@example.org',
          associated_event_id: 'e1'.repeat(16),
          message: 'first line\n  second line',
        },
        {
          timestamp: '2025-03-01T11:00:00.000Z',
          id: 'f2'.repeat(16),
          name: null,
          contact_email: '',
          message: 'hi',
        },
      ]),
    ).toEqual([
      'timestamp\tid\tfrom\tevent\tmessage',
      `2025-03-01T12:00:00.000Z\t${'f1'.repeat(16)}\tJane\t${'e1'.repeat(16)}\tfirst line second line`,
      `2025-03-01T11:00:00.000Z\t${'f2'.repeat(16)}\t-\t-\thi`,
    ]);
    expect(formatFeedbackLines({ detail: 'x' })).toEqual(['timestamp\tid\tfrom\tevent\tmessage']);
  });
});

describe('registerFeedbackCommands', () => {
  it('adds `feedback list` with its options', () => {
    const program = new Command();
    registerFeedbackCommands(program);
    const list = program.commands
      .find((c) => c.name() === 'feedback')
      ?.commands.find((c) => c.name() === 'list');
    expect(list?.options.map((o) => o.long)).toEqual(
      expect.arrayContaining([
        '--project',
        '--stats-period',
        '--limit',
        '--org',
        '--url',
        '--token',
        '--data-dir',
      ]),
    );
  });
});
