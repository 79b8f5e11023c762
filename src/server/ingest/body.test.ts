import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { parseContentEncoding, readBody, type ContentCoding } from './body.js';
import { MAX_ZSTD_WINDOW_BYTES, ZstdFrameGuard } from './zstd-guard.js';

/** `zstd -19` of {@link ZSTD_PLAIN} (single-segment frame with content size). */
const ZSTD_SINGLE_SEGMENT =
  '28b52ffd6413006503005287171780cd31e0052f7b034b1bb2cb99a03eda0111c1c44453f5c0bd86cfb939bac8b6d9cd3add822734e7dd2c2f5d5a70acb40a2029cfb8f98ba3f44ef323aada02d73016c38907158618cb58c87344c118fc5a901df0cccdb149ea73e9b601030009d111d06c0135a6a0fb1da850';
/** `cat | zstd -3` of {@link ZSTD_PLAIN} (streamed: window descriptor, no content size, checksum). */
const ZSTD_STREAMED =
  '28b52ffd04587d03005247181b70897360c4c35ef5750aaa3191ac5555f58804de560521eb1fff4c468c5e95ac5ec93154a7f61237e2d6b476abd99f33235ecf2d8e86b117ac3e2139f783fa8ee2191ad1bb14c013b5836416b42046a544c9dc23b419d8a7d5cb2078883f370c030009d111d06c0135a6a0fb1da850';
/** The envelope both zstd fixtures decompress to. */
const ZSTD_PLAIN =
  '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n' +
  `{"message":"hello zstd","level":"error","extra":{"pad":"${'abc'.repeat(50)}"}}\n`;

/** A zstd frame of `blocks` RLE blocks of 128 KiB zeros each (a cheap zstd bomb). */
function zstdRleBomb(blocks: number): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]); // no FCS, 2^17 window
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1 ? 1 : 0;
    const value = (131072 << 3) | (1 << 1) | last; // RLE block regenerating 128 KiB
    body.writeUIntLE(value, i * 4, 3);
    body[i * 4 + 3] = 0;
  }
  return Buffer.concat([header, body]);
}

function stream(data: Buffer, chunkSize = 1024): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

async function decode(data: Buffer, codings: ContentCoding[], limit = 1 << 20, chunkSize = 1024) {
  return readBody(stream(data, chunkSize), { codings, limit });
}

describe('parseContentEncoding', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['  ', []],
    ['UTF-8', []],
    ['utf-8', []],
    ['identity', []],
    ['gzip', ['gzip']],
    ['x-gzip', ['gzip']],
    ['GZip', ['gzip']],
    ['deflate', ['deflate']],
    ['br', ['br']],
    ['zstd', ['zstd']],
    ['gzip, br', ['gzip', 'br']],
    ['identity, gzip', ['gzip']],
  ])('%j → %j', (value, codings) => {
    expect(parseContentEncoding(value)).toEqual({ ok: true, codings });
  });

  it('names the first unknown coding', () => {
    expect(parseContentEncoding('gzip, compress')).toEqual({ ok: false, encoding: 'compress' });
    expect(parseContentEncoding('lzma')).toEqual({ ok: false, encoding: 'lzma' });
  });
});

describe('readBody', () => {
  const plain = Buffer.from(JSON.stringify({ message: 'hello', pad: 'x'.repeat(5000) }));

  it('reads an unencoded body in chunks', async () => {
    expect(await decode(plain, [], 1 << 20, 7)).toEqual({ ok: true, body: plain });
  });

  it.each<[ContentCoding, (b: Buffer) => Buffer]>([
    ['gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
  ])('decodes %s', async (coding, compress) => {
    expect(await decode(compress(plain), [coding], 1 << 20, 3)).toEqual({ ok: true, body: plain });
  });

  it('accepts raw deflate for `deflate` (lenient fallback)', async () => {
    expect(await decode(zlib.deflateRawSync(plain), ['deflate'])).toEqual({ ok: true, body: plain });
  });

  it('decodes multi-member gzip', async () => {
    const data = Buffer.concat([zlib.gzipSync('abc'), zlib.gzipSync('def')]);
    expect(await decode(data, ['gzip'])).toEqual({ ok: true, body: Buffer.from('abcdef') });
  });

  it('undoes stacked codings in reverse order', async () => {
    const data = zlib.brotliCompressSync(zlib.gzipSync(plain));
    expect(await decode(data, ['gzip', 'br'])).toEqual({ ok: true, body: plain });
  });

  it.each([
    ['single-segment', ZSTD_SINGLE_SEGMENT],
    ['streamed', ZSTD_STREAMED],
  ])('decodes real zstd output (%s frame)', async (_name, hex) => {
    for (const chunkSize of [1, 5, 1024]) {
      const result = await decode(Buffer.from(hex, 'hex'), ['zstd'], 1 << 20, chunkSize);
      expect(result.ok && result.body.toString()).toBe(ZSTD_PLAIN);
    }
  });

  it('decodes concatenated zstd frames and skippable frames', async () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0x03, 0x00, 0x00, 0x00, 1, 2, 3]);
    const data = Buffer.concat([
      Buffer.from(ZSTD_STREAMED, 'hex'),
      skippable,
      Buffer.from(ZSTD_SINGLE_SEGMENT, 'hex'),
    ]);
    const result = await decode(data, ['zstd'], 1 << 20, 10);
    expect(result.ok && result.body.toString()).toBe(ZSTD_PLAIN + ZSTD_PLAIN);
  });

  it('stops at the limit on the wire', async () => {
    expect(await decode(Buffer.alloc(2000), [], 1999)).toEqual({ ok: false, error: { kind: 'overflow' } });
    expect(await decode(Buffer.alloc(2000), [], 2000)).toEqual({ ok: true, body: Buffer.alloc(2000) });
  });

  it.each<[ContentCoding, (b: Buffer) => Buffer]>([
    ['gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
  ])('stops at the limit after %s decoding', async (coding, compress) => {
    const zeros = Buffer.alloc(4 << 20);
    expect(await decode(compress(zeros), [coding], 1 << 20)).toEqual({
      ok: false,
      error: { kind: 'overflow' },
    });
    expect(await decode(compress(Buffer.alloc(1 << 20)), [coding], 1 << 20)).toMatchObject({ ok: true });
  });

  it('stops a zstd RLE bomb at the limit', async () => {
    const bomb = zstdRleBomb(8192); // 1 GiB of zeros in 32 KiB
    expect(bomb.length).toBeLessThan(40_000);
    expect(await decode(bomb, ['zstd'], 1 << 20, 64 * 1024)).toEqual({
      ok: false,
      error: { kind: 'overflow' },
    });
    const small = await decode(zstdRleBomb(4), ['zstd'], 1 << 20);
    expect(small.ok && small.body.equals(Buffer.alloc(4 * 131072))).toBe(true);
  });

  it('refuses zstd frames declaring a huge window or content size before allocating', async () => {
    const hugeWindow = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
    expect(await decode(hugeWindow, ['zstd'])).toEqual({
      ok: false,
      error: { kind: 'corrupt', coding: 'zstd', message: 'zstd frame window size too large' },
    });
    // Single segment with an 8-byte content size of 2^40 bytes: over the limit → overflow.
    const hugeContent = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0]);
    expect(await decode(hugeContent, ['zstd'])).toEqual({ ok: false, error: { kind: 'overflow' } });
  });

  it.each<[ContentCoding, Buffer]>([
    ['gzip', Buffer.from('this is not gzip at all')],
    ['gzip', zlib.gzipSync('hello').subarray(0, 12)],
    ['deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff])],
    ['zstd', Buffer.from('not zstd data')],
    ['zstd', Buffer.from(ZSTD_STREAMED, 'hex').subarray(0, 40)],
  ])('reports corrupt %s data', async (coding, data) => {
    const result = await decode(data, [coding]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.kind).toBe('corrupt');
    expect(!result.ok && result.error.kind === 'corrupt' && result.error.coding).toBe(coding);
  });

  it('reports a failing connection as an io error', async () => {
    const source = new Readable({ read() {} });
    const pending = readBody(source, { codings: [], limit: 100 });
    source.push('abc');
    source.destroy(new Error('socket hang up'));
    expect(await pending).toEqual({ ok: false, error: { kind: 'io', message: 'socket hang up' } });
  });

  it('reads an empty body', async () => {
    expect(await decode(Buffer.alloc(0), [])).toEqual({ ok: true, body: Buffer.alloc(0) });
    expect(await decode(Buffer.alloc(0), ['gzip', 'zstd'])).toEqual({ ok: true, body: Buffer.alloc(0) });
  });
});

describe('ZstdFrameGuard', () => {
  it('accepts real frames fed byte by byte', () => {
    for (const hex of [ZSTD_SINGLE_SEGMENT, ZSTD_STREAMED]) {
      const guard = new ZstdFrameGuard(1 << 20);
      for (const byte of Buffer.from(hex, 'hex')) expect(guard.check(Buffer.from([byte]))).toBeUndefined();
    }
  });

  it('rejects a window above 2^27 bytes before decoding', () => {
    const guard = new ZstdFrameGuard(1 << 30);
    // Window descriptor 0x88: exponent 17 → 2^27; mantissa 0 → exactly the limit: accepted.
    expect(guard.check(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88]))).toBeUndefined();
    const big = new ZstdFrameGuard(1 << 30);
    expect(big.check(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x89]))).toEqual({
      kind: 'window_too_large',
      message: 'zstd frame window size too large',
    });
    expect(MAX_ZSTD_WINDOW_BYTES).toBe(134217728);
  });

  it('rejects a declared content size above the limit', () => {
    // Single segment, 4-byte content size = 2 MiB.
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0x20, 0]);
    expect(new ZstdFrameGuard(1 << 20).check(header)?.kind).toBe('content_too_large');
    expect(new ZstdFrameGuard(4 << 20).check(header)).toBeUndefined();
  });

  it('rejects bad magic and reserved bits', () => {
    expect(new ZstdFrameGuard(1 << 20).check(Buffer.from('hello'))?.kind).toBe('invalid_frame');
    expect(new ZstdFrameGuard(1 << 20).check(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x08, 0x00]))?.kind).toBe(
      'invalid_frame',
    );
  });

  it('checks every frame, not only the first', () => {
    const guard = new ZstdFrameGuard(1 << 30);
    expect(guard.check(Buffer.from(ZSTD_STREAMED, 'hex'))).toBeUndefined();
    expect(guard.check(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8]))?.kind).toBe('window_too_large');
  });
});
