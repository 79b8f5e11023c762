/**
 * Reading the source bundles sentry-cli uploads (reference/sentry-semantics.md §8.3, step 2): a
 * zip (symbolic's `SourceBundleWriter` prefixes it with the magic `SYSB` and a version; its
 * offsets count the prefix, so the zip reader takes the bytes as they are) whose
 * `manifest.json` lists `files` by path (`{type, url, headers}`) next to the bundle attributes
 * `debug_id`, `org`, `project`, `release`, `dist`. Follows Sentry's `ArtifactBundleArchive`
 * (`src/sentry/models/artifactbundle.py`): header names are lowercased, debug ids normalized.
 * Files are decompressed on first read and kept, so an opened bundle can be cached.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';

/** Largest file the reader decompresses (its size as the zip declares it), 256 MiB. */
export const MAX_BUNDLE_FILE_BYTES = 256 * 1024 * 1024;

/** One file of a bundle's manifest. */
export interface SourceBundleFile {
  /** Path of the file in the zip (the manifest's key), e.g. `files/_/_/main.js`. */
  path: string;
  /** The file's URL (`~/main.js`); `undefined` when the manifest gives none (not indexed). */
  url: string | undefined;
  /** The manifest's `type` (`minified_source`, `source_map`, ...), as given. */
  type: string | undefined;
  /** Headers with lowercased names (`debug-id`, `sourcemap`, ...). */
  headers: Readonly<Record<string, string>>;
  /** The normalized `debug-id` header, when it is a valid debug id. */
  debugId: string | undefined;
}

/** Why a bundle could not be read. */
export class InvalidSourceBundle extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidSourceBundle';
  }
}

/** An opened source bundle: its manifest, and its files read on demand. */
export class SourceBundle {
  /** The manifest's files, in manifest order. */
  readonly files: readonly SourceBundleFile[];
  /** The manifest's string attributes (`debug_id`, `org`, `project`, `release`, `dist`, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  private readonly read = new Map<string, Buffer>();
  private readBytes = 0;

  private constructor(
    private readonly zip: Uint8Array,
    manifest: JsonObject,
  ) {
    const files = isJsonObject(manifest.files) ? manifest.files : {};
    this.files = Object.entries(files).map(([path, info]) => manifestFile(path, info));
    this.attributes = Object.fromEntries(
      Object.entries(manifest).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }

  /**
   * Opens `zip` and parses its `manifest.json`. Throws {@link InvalidSourceBundle} when the bytes
   * are not a zip, the manifest is missing or not a JSON object.
   */
  static open(zip: Uint8Array): SourceBundle {
    const manifest = extract(zip, 'manifest.json');
    if (manifest === undefined) throw new InvalidSourceBundle('the bundle has no manifest.json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(manifest).toString('utf8'));
    } catch (error) {
      throw new InvalidSourceBundle('the manifest is not JSON', { cause: error });
    }
    if (!isJsonObject(parsed)) throw new InvalidSourceBundle('the manifest is not a JSON object');
    return new SourceBundle(zip, parsed);
  }

  /** The bundle id: the manifest's `debug_id` normalized, or `undefined`. */
  get bundleId(): string | undefined {
    return normalizeDebugId(this.attributes.debug_id);
  }

  /** Bytes held: the zip plus the files read so far (what a cache should count). */
  get memoryBytes(): number {
    return this.zip.byteLength + this.readBytes;
  }

  /** The manifest file at `path`, or `undefined`. */
  file(path: string): SourceBundleFile | undefined {
    return this.files.find((f) => f.path === path);
  }

  /**
   * The bytes of the file at `path`, or `undefined` when the zip lacks it. Throws
   * {@link InvalidSourceBundle} when the entry is corrupt or larger than
   * {@link MAX_BUNDLE_FILE_BYTES}.
   */
  content(path: string): Buffer | undefined {
    const cached = this.read.get(path);
    if (cached !== undefined) return cached;
    const data = extract(this.zip, path);
    if (data === undefined) return undefined;
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.read.set(path, buffer);
    this.readBytes += buffer.byteLength;
    return buffer;
  }
}

const DEBUG_ID =
  /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?(?:-?([0-9a-f]{1,8}))?$/;

/**
 * A debug id in canonical form (symbolic's `normalize_debug_id`): lowercase hyphenated UUID,
 * followed by `-<appendix>` in hex when the appendix is non-zero. Accepts the UUID with or
 * without hyphens (and braces) and an appendix of up to 8 hex digits, so a 40-hex sha1 also
 * reads as one (Sentry derives bundle ids from checksums that way). `undefined` otherwise.
 */
export function normalizeDebugId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DEBUG_ID.exec(value.trim().toLowerCase());
  if (match === null) return undefined;
  const uuid = match.slice(1, 6).join('-');
  const appendix = match[6] === undefined ? 0 : parseInt(match[6], 16);
  return appendix === 0 ? uuid : `${uuid}-${appendix.toString(16)}`;
}

/** One entry of the zip, or `undefined` when absent; throws InvalidSourceBundle for a broken zip. */
function extract(zip: Uint8Array, path: string): Uint8Array | undefined {
  let tooLarge = false;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (info: UnzipFileInfo) => {
        if (info.name !== path) return false;
        tooLarge = info.originalSize > MAX_BUNDLE_FILE_BYTES;
        return !tooLarge;
      },
    });
  } catch (error) {
    throw new InvalidSourceBundle('the bundle is not a valid zip archive', { cause: error });
  }
  if (tooLarge) throw new InvalidSourceBundle(`${path} exceeds ${MAX_BUNDLE_FILE_BYTES} bytes`);
  return entries[path];
}

function manifestFile(path: string, info: unknown): SourceBundleFile {
  const entry = isJsonObject(info) ? info : {};
  const headers: Record<string, string> = {};
  if (isJsonObject(entry.headers)) {
    for (const [name, value] of Object.entries(entry.headers)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
  }
  return {
    path,
    url: typeof entry.url === 'string' && entry.url !== '' ? entry.url : undefined,
    type: typeof entry.type === 'string' ? entry.type : undefined,
    headers,
    debugId: normalizeDebugId(headers['debug-id']),
  };
}
