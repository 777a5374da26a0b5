import { PDFObjectParser } from 'pdf-lib';

/*
 * pdf-lib finds the end of a stream whose /Length is not a plain number (an indirect object, as Ghostscript and many
 * scanner drivers write it, or a wrong number) by trying four keywords at every byte, in JS: 4–5 s for a 60 MB scan,
 * against 0.1 s when the lengths are direct. This replacement finds the same end with one native search for
 * "endstream", then steps back over the end-of-line before it, as the original's "\r\n", "\r" and "\n" variants do.
 * The original also counts a bare "stream" inside the data as a nested stream, which only ever misreads text; with
 * no "endstream" at all, the original runs and fails as it always did. Importing the module installs it
 * (idempotent: it replaces the method, never wraps it).
 */
interface Parser {
  bytes: { bytes: Uint8Array; offset(): number; moveTo(offset: number): void };
  findEndOfStreamFallback(startPos: unknown): number;
}

const KEYWORD = Buffer.from('endstream', 'latin1');
const proto = PDFObjectParser.prototype as unknown as Parser & { originalFindEndOfStream?: Parser['findEndOfStreamFallback'] };
proto.originalFindEndOfStream ??= proto.findEndOfStreamFallback;
const original = proto.originalFindEndOfStream;

proto.findEndOfStreamFallback = function findEndOfStreamFallback(this: Parser, startPos: unknown): number {
  const data = this.bytes.bytes;
  const from = this.bytes.offset();
  const at = Buffer.from(data.buffer, data.byteOffset, data.length).indexOf(KEYWORD, from);
  if (at < 0) return original.call(this, startPos);
  let end = at;
  if (end > from && data[end - 1] === 0x0a) end--;
  if (end > from && data[end - 1] === 0x0d) end--;
  this.bytes.moveTo(at + KEYWORD.length);
  return end;
};
