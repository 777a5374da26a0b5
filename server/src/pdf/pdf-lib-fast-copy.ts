import { PDFStream } from 'pdf-lib';

/*
 * pdf-lib 1.17 serializes stream contents one byte at a time in a JS loop. Our streams are page images of hundreds
 * of kilobytes, so that loop alone took a sixth of a flatten. This replacement writes exactly the same bytes with
 * one block copy. Importing the module installs it (idempotent: it replaces the method, never wraps it).
 */
const BEGIN = new TextEncoder().encode('\nstream\n');
const END = new TextEncoder().encode('\nendstream');

PDFStream.prototype.copyBytesInto = function copyBytesInto(this: PDFStream, buffer: Uint8Array, offset: number) {
  this.updateDict();
  const start = offset;
  offset += this.dict.copyBytesInto(buffer, offset);
  buffer.set(BEGIN, offset);
  offset += BEGIN.length;
  const contents = this.getContents();
  buffer.set(contents, offset);
  offset += contents.length;
  buffer.set(END, offset);
  offset += END.length;
  return offset - start;
};
