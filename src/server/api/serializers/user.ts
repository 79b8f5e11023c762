/**
 * User JSON in Sentry's web-API shape (`UserSerializer` in
 * `src/sentry/users/api/serializers/user.py`): the `user` of `GET /api/0/` (which sentry-cli's
 * `info` reads: `id`, `name`, `username`, `email`) and of organization members. Vigil has no
 * avatars, 2FA, identities or secondary emails: those fields carry Sentry's values for a user
 * without them.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../../protocol/json.js';
import type { User } from '../../../storage/metadata/index.js';

/** Sentry's `get_gravatar_url(email, size=32)`: md5 of the trimmed, lowercased address. */
export function gravatarUrl(email: string, size = 32): string {
  const hash = createHash('md5').update(email.trim().toLowerCase(), 'utf8').digest('hex');
  return `https://gravatar.com/avatar/${hash}?s=${size}&d=mm`;
}

/**
 * `{id (string), name (display name: name, else username), username, email, avatarUrl,
 * isActive, hasPasswordAuth, isManaged: false, dateJoined, lastLogin, has2fa: false, lastActive,
 * isSuperuser, isStaff: false, experiments: {}, emails: [{id, email, is_verified}], avatar}`;
 * with `self` (the requester itself) also Sentry's default `options` and `flags`.
 */
export function serializeUserAccount(user: User, options: { self?: boolean } = {}): JsonObject {
  const out: JsonObject = {
    id: String(user.id),
    name: user.name || user.username,
    username: user.username,
    email: user.email,
    avatarUrl: gravatarUrl(user.email),
    isActive: user.is_active,
    hasPasswordAuth: user.has_password,
    isManaged: false,
    dateJoined: user.date_joined,
    lastLogin: user.last_login,
    has2fa: false,
    lastActive: user.last_login,
    isSuperuser: user.is_superuser,
    isStaff: false,
    experiments: {},
    emails: [{ id: String(user.id), email: user.email, is_verified: false }],
  };
  if (options.self) {
    out.options = {
      theme: 'light',
      language: 'en',
      stacktraceOrder: -1,
      defaultIssueEvent: 'recommended',
      timezone: 'UTC',
      clock24Hours: false,
      prefersIssueDetailsStreamlinedUI: false,
    };
    out.flags = { newsletter_consent_prompt: false };
  }
  out.avatar = { avatarType: 'letter_avatar', avatarUuid: null, avatarUrl: null };
  return out;
}
