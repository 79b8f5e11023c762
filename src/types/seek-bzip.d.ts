/**
 * The part of `seek-bzip` (a pure-JavaScript bzip2 decoder without bundled types) that Vigil uses:
 * `decode(input, output)` decodes a whole bzip2 stream into `output`, an object whose `writeByte`
 * receives every decoded byte. Throws on corrupt data.
 */
declare module 'seek-bzip' {
  interface ByteSink {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: Uint8Array, output: ByteSink, multistream?: boolean): void;
  };
  export default Bunzip;
}
