// The author email Sentry records for a commit (`create_commit_authors` in
// `src/sentry/models/releases/set_commits.py`).
import { describe, expect, it } from 'vitest';
import { commitAuthorEmail } from './commits.js';

describe('commitAuthorEmail', () => {
  it('takes the email sent, else one made of the name', () => {
    expect(commitAuthorEmail({ author_email: 'Ann@Example.com', author_name: 'Ann' })).toBe(
      'Ann@Example.com',
    );
    expect(commitAuthorEmail({ author_name: 'Ann Ö. de-Vries_2' })).toBe('ann.de-vries_2@localhost');
    expect(commitAuthorEmail({ author_email: null, author_name: 'Bob' })).toBe('bob@localhost');
  });

  it('is null without an email or a name', () => {
    expect(commitAuthorEmail({})).toBeNull();
    expect(commitAuthorEmail({ author_email: '', author_name: '' })).toBeNull();
    expect(commitAuthorEmail({ author_email: null, author_name: null })).toBeNull();
  });

  it('cuts a long address to 75 characters ending in ...', () => {
    const email = commitAuthorEmail({ author_name: 'x'.repeat(100) });
    expect(email).toBe(`${'x'.repeat(72)}...`);
    expect(commitAuthorEmail({ author_email: `${'y'.repeat(63)}@example.com` })).toHaveLength(75);
  });
});
