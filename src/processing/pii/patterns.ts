/**
 * The regular expressions of Relay's built-in PII rules, translated to JavaScript.
 *
 * Follows `relay-pii/src/regexes.rs` and the `@urlauth:legacy` pattern of `relay-pii/src/builtin.rs`
 * (reference/relay-protocol.md §9.2). Relay's regex engine never backtracks; where a direct
 * translation could backtrack badly the pattern is rewritten with the same matches for the
 * replaced group, and callers skip patterns whose {@link Pattern.hint} does not match.
 * Relay does not Luhn-check card numbers (getsentry/relay#3879 was closed), so neither does this.
 */

/** How matches are redacted: the whole string value, or the listed capture groups. */
export type ReplaceBehavior = { kind: 'value' } | { kind: 'groups'; groups: readonly number[] };

/** A regex plus a cheap pre-check that must pass before the regex is worth running. */
export interface Pattern {
  /** Global, `d`-flagged (match indices) regex. */
  regex: RegExp;
  /**
   * A cheap, non-global regex that finds a match in every text where {@link Pattern.regex} finds
   * one (a necessary condition: it matches a part every match of `regex` contains), so a text it
   * does not match can skip `regex` with the same result. Hints are also combined, with their
   * case-sensitivity relaxed, into one screening regex per rule set (`rule-set.ts`), which keeps
   * them necessary conditions. Absent: the regex always runs.
   */
  hint?: RegExp;
}

const g = (source: string, flags = ''): RegExp => new RegExp(source, `g${flags}d`);

const V4_SEGMENT = '(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)';
const V4 = `${V4_SEGMENT}\\.${V4_SEGMENT}\\.${V4_SEGMENT}\\.${V4_SEGMENT}`;
const V6_SEGMENT = '[0-9a-fA-F]{1,4}';
/** ASCII punctuation, the `[[:punct:]]` POSIX class. */
const PUNCT = '!-\\/:-@\\[-`{-~';

/** `@creditcard`: 15–16 digit PANs with Amex/Visa/Mastercard/Discover prefixes, `-`/space separators. */
export const CREDITCARD: Pattern = {
  regex: g('\\b((?:3[47]\\d|4\\d{3}|5[1-5]\\d\\d|65\\d\\d|6011)([-\\s]?\\d){12})\\b'),
  // Every match starts with two adjacent digits (the prefix's `3[47]`, `4\d`, `5[1-5]`, `65`,
  // `60`) followed by at least 13 more digits, each optionally after one separator.
  hint: /[3-6]\d(?:[-\s]?\d){13}/,
};

/** `@iban`: country code, 2 check digits, 11–29 alphanumerics. */
export const IBAN: Pattern = {
  regex: g(
    '\\b(AT|AD|AE|AL|AZ|BA|BE|BG|BH|BR|BY|CH|CR|CY|CZ|DE|DK|DO|EE|EG|ES|FI|FO|FR|GB|GE|GI|GL|GR|GT|HR|HU|IE|IL|IQ|IS|IT|JO|KW|KZ|LB|LC|LI|LT|LU|LV|LY|MC|MD|ME|MK|MR|MT|MU|NL|NO|PK|PL|PS|PT|QA|RO|RU|RS|SA|SC|SE|SI|SK|SM|ST|SV|TL|TN|TR|UA|VA|VG|XK|DZ|AO|BJ|BF|BI|CV|CM|CF|TD|KM|CG|CI|DJ|GQ|GA|GW|HN|IR|MG|ML|MA|MZ|NI|NE|SN|TG)\\d{2}[a-zA-Z0-9]{11,29}\\b',
  ),
  // Country code, check digits and the 11 shortest-allowed alphanumerics, without the `\b`s.
  hint: /[A-Z]{2}\d{2}[a-zA-Z0-9]{11}/,
};

/** `@pemkey`: the body (group 1) of PEM private/public key blocks. */
export const PEM_KEY: Pattern = {
  regex: g(
    '(?:-----BEGIN[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----[\\t ]*\\r?\\n?)([\\s\\S]+?)(?:\\r?\\n?-----END[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----)',
  ),
  hint: /-----BEGIN/,
};

/** `@urlauth:legacy` (Sentry's `URL_PASSWORD_RE`): the password (group 2) of `scheme://user:pass@`. */
export const URL_AUTH_LEGACY: Pattern = {
  regex: g('\\b((?:[a-z0-9]+:)?\\/\\/[a-zA-Z0-9%_.-]+:)([a-zA-Z0-9%_.-]+)@'),
  // Every match contains `//user:password@`.
  hint: /\/\/[a-zA-Z0-9%_.-]+:[a-zA-Z0-9%_.-]+@/,
};

/**
 * `@userpath`: the user name (group 1) after `/Users/`, `/home/`, `C:\Users\`,
 * `Documents and Settings\` or `…\Profiles\`. The profiles form is anchored on the separator
 * (a lookbehind) instead of Relay's `[^/\\]+[/\\]profiles`, which backtracks in JavaScript.
 */
export const USER_PATH: Pattern = {
  regex: g(
    '(?:\\b(?:[a-zA-Z]:[\\\\/])?(?:users|home|documents and settings)[\\\\/]|(?<=[^/\\\\])[\\\\/]profiles[\\\\/]|\\/(?:home|users)\\/)([^/\\\\\\r\\n\\x00]+)',
    'i',
  ),
  hint: /users|home|documents and settings|profiles/i,
};

/** `@usssn`: `ddd-dd-dddd`. */
export const US_SSN: Pattern = {
  regex: g('\\b([0-9]{3}-[0-9]{2}-[0-9]{4})\\b'),
  hint: /\d{3}-\d{2}-\d{4}/,
};

/** `@email`. */
export const EMAIL: Pattern = {
  regex: g("\\b[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*\\.[a-zA-Z]{2,}\\b"),
  // One local-part character, `@`, one domain character.
  hint: /[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]@[a-zA-Z0-9-]/,
};

/** `@imei`: IMEI / IMEISV numbers (15–18 digits, optional dashes). */
export const IMEI: Pattern = {
  regex: g('\\b(\\d{2}-?\\d{6}-?\\d{6}-?\\d{1,2})\\b'),
  hint: /\d{2}-?\d{6}-?\d{6}/,
};

/** `@mac`: six hex octets separated by `:` or `-`. */
export const MAC: Pattern = {
  regex: g('\\b([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}\\b'),
  hint: /[0-9a-fA-F]{2}[:-][0-9a-fA-F]{2}[:-]/,
};

/** `@uuid`: 8-4-4-4-12 alphanumerics, dashes optional, any case. */
export const UUID: Pattern = {
  regex: g('\\b[a-z0-9]{8}-?[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{12}\\b', 'i'),
  // Every match holds at least 8 alphanumerics in a row (its first block).
  hint: /[a-z0-9]{8}/i,
};

/**
 * `@urlauth` (not the legacy variant): the whole userinfo (group 1) of `scheme://user[:pass]@`.
 */
export const URL_AUTH: Pattern = {
  regex: g('\\b(?:(?:[a-z0-9+-]+:)?\\/\\/([a-zA-Z0-9%_.-]+(?::[a-zA-Z0-9%_.-]+)?))@'),
  hint: /\/\/[a-zA-Z0-9%_.-]+(?::[a-zA-Z0-9%_.-]+)?@/,
};

/** `@ip` (IPv4 part). */
export const IPV4: Pattern = {
  regex: g(`\\b${V4}\\b`),
  hint: /\d\.\d/,
};

/** `@ip` (IPv6 part, group 1), verbatim from Relay including its quirks. */
export const IPV6: Pattern = {
  regex: g(
    `(?:[\\s]|[${PUNCT}]|^)(` +
      `(${V6_SEGMENT}:){7}${V6_SEGMENT}|` +
      `(${V6_SEGMENT}:){1,7}:|` +
      `(${V6_SEGMENT}:){1,6}::${V6_SEGMENT}|` +
      `(${V6_SEGMENT}:){1,5}:(:${V6_SEGMENT}){1,2}|` +
      `(${V6_SEGMENT}:){1,4}:(:${V6_SEGMENT}){1,3}|` +
      `(${V6_SEGMENT}:){1,3}:(:${V6_SEGMENT}){1,4}|` +
      `(${V6_SEGMENT}:){1,2}:(:${V6_SEGMENT}){1,5}|` +
      `${V6_SEGMENT}:((:${V6_SEGMENT}){1,6})|` +
      `:((:${V6_SEGMENT}){1,7}|:)|` +
      `fe80:(:${V6_SEGMENT}){0,4}%[0-9a-zA-Z]{1,}` +
      `::(ffff(:0{1,4}){0,1}:){0,1}${V4}|` +
      `(${V6_SEGMENT}:){1,4}:${V4}` +
      `)([\\s]|[${PUNCT}]|$)`,
    'i',
  ),
  hint: /:/,
};

/** `@bearer` / part of `@password`: `Bearer <token>`. */
export const BEARER: Pattern = {
  regex: g('\\b(Bearer\\s+)([^\\s]+)', 'i'),
  hint: /bearer/i,
};

/** Keys containing `token` (matched on keys only). */
export const TOKEN_KEY = /token/i;

/** Password-like keys (also matched against values, which are then replaced whole). */
export const PASSWORD_KEY =
  /(password|secret|passwd|api[-_]key|apikey|auth|credentials|mysql_pwd|privatekey|private[-_]key|token[^\s]*[:=]|^otp$|^two[-_]factor$)/i;

/**
 * `@anything`: the whole string, line by line (Rust's `.` excludes only `\n`, JavaScript's also
 * `\r`, U+2028 and U+2029, hence the explicit class).
 */
export const ANYTHING: Pattern = { regex: g('[^\\n]*') };
