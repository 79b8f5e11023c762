import { describe, expect, it } from 'vitest';
import {
  gravatarUrl,
  serializeTagKey,
  serializeTagValue,
  standardizedKey,
  tagKeyLabel,
  tagValueLabel,
  userTagQuery,
} from './tag.js';

describe("the tagstore's names and labels", () => {
  it.each([
    ['user', 'User'],
    ['release', 'Release'],
    ['dist', 'Distribution'],
    ['os', 'OS'],
    ['url', 'URL'],
    ['server_name', 'Server'],
    ['os.name', 'Os.Name'],
    ['browser', 'Browser'],
    ['device_family', 'Device Family'],
    ['my-FLAG2x', 'My-Flag2X'],
    ['environment', 'Environment'],
  ])('%s is labelled %s', (key, label) => {
    expect(tagKeyLabel(key)).toBe(label);
  });

  it('drops the sentry: prefix of reserved keys', () => {
    expect(standardizedKey('sentry:user')).toBe('user');
    expect(standardizedKey('browser')).toBe('browser');
  });

  it('labels user values without their kind and turns them into user searches', () => {
    expect(tagValueLabel('user', 'email:a@b.c')).toBe('a@b.c');
    expect(tagValueLabel('browser', 'id:1')).toBe('id:1');
    expect(userTagQuery('user', 'ip:127.0.0.1')).toBe('user.ip:"127.0.0.1"');
    expect(userTagQuery('user', 'username:say "hi"')).toBe('user.username:"say \\"hi\\""');
    expect(userTagQuery('user', 'name:x')).toBeUndefined();
    expect(userTagQuery('browser', 'id:1')).toBeUndefined();
  });
});

describe('serializeTagKey / serializeTagValue', () => {
  const value = {
    value: 'id:7',
    count: 3,
    firstSeen: new Date('2024-01-01T00:00:00Z'),
    lastSeen: new Date('2024-01-02T00:00:00Z'),
  };

  it("answer Sentry's TagKeySerializer shape, omitting what is unknown", () => {
    expect(serializeTagKey({ key: 'sentry:user', count: 3, topValues: [value] })).toEqual({
      key: 'user',
      name: 'User',
      totalValues: 3,
      topValues: [
        {
          key: 'user',
          name: '7',
          value: 'id:7',
          count: 3,
          lastSeen: '2024-01-02T00:00:00.000Z',
          firstSeen: '2024-01-01T00:00:00.000Z',
          query: 'user.id:"7"',
        },
      ],
    });
    expect(serializeTagKey({ key: 'level', uniqueValues: 2 })).toEqual({
      key: 'level',
      name: 'Level',
      uniqueValues: 2,
    });
    expect(serializeTagValue('browser', { ...value, value: 'Chrome' })).not.toHaveProperty('query');
  });

  it("builds Sentry's gravatar URL from the lower-cased email", () => {
    // md5('a@example.com')
    expect(gravatarUrl('A@Example.com', 32)).toBe(
      'https://gravatar.com/avatar/b418773a2c51fb9777a1648346fa7394?s=32&d=mm',
    );
  });
});
