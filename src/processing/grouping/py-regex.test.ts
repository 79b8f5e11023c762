import { describe, expect, it } from 'vitest';
import { isAscii, pyRegex, pyStrip } from './py-regex.js';

// Python's str.isspace() set, spelled out independently of the module.
const SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_SPACE = new RegExp(`^${SPACE}+|${SPACE}+$`, 'gu');

describe('pyStrip', () => {
  it('strips exactly what Python strips, for every UTF-16 code unit at either end', () => {
    const wrong: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      for (const text of [`${ch}x`, `x${ch}`, `${ch}x${ch}`, ch]) {
        if (pyStrip(text) !== text.replace(PY_SPACE, '')) wrong.push(code);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('pyRegex for ASCII subjects', () => {
  it('matches like the Unicode-aware form on ASCII text, and differs only beyond it', () => {
    const source = String.raw`\b\w+\b|\d+|[\w.]+|\s+|\B.`;
    const full = pyRegex(source, 'g');
    const ascii = pyRegex(source, 'g', true);
    const texts = ['a1 b_2\x1c\r\t.x', 'foo.bar  12\n', ''];
    for (const text of texts) {
      expect(isAscii(text)).toBe(true);
      expect(text.match(ascii)).toEqual(text.match(full));
    }
    expect(isAscii('café ٣')).toBe(false);
    expect('٣'.match(full)).toEqual(['٣']);
    expect('٣'.match(ascii)).toEqual(['٣']); // `.` still matches; \d would not
    expect(pyRegex(String.raw`\d`, '', true).test('٣')).toBe(false);
  });
});
