/**
 * The one file of a multipart/form-data body, as a stream (what `curl -F file=@scan.pdf` and HTML forms send). The
 * file's bytes are passed on as they arrive, so the upload's size cap and streaming storage apply unchanged; the
 * form's other fields are skipped. Only the first file is taken; a second one is refused.
 */
import { validation } from '../errors.ts';

/** The boundary of a multipart/form-data content type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]!) : null;
}

const MAX_HEADER_BYTES = 16 * 1024;
/** What may follow the file (the closing boundary, small fields): more means a second file. */
const MAX_TRAILING_BYTES = 64 * 1024;
const HEADERS_END = Buffer.from('\r\n\r\n');

export async function* multipartFile(body: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<Uint8Array> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // the first boundary may open the body without a CRLF before it
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'headers' | 'file' | 'field' | 'after' = 'preamble';
  let trailing = 0;
  let found = false;
  for await (const chunk of body) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      if (state === 'preamble' || state === 'field' || state === 'after') {
        const at = buf.indexOf(delimiter);
        if (state === 'after') trailing += at < 0 ? buf.length : at;
        if (trailing > MAX_TRAILING_BYTES) throw validation('Send one file per upload.');
        if (at < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          break;
        }
        buf = buf.subarray(at + delimiter.length);
        state = 'headers';
      }
      if (state === 'headers') {
        const end = buf.indexOf(HEADERS_END);
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw validation('The multipart form is malformed.');
          break;
        }
        // the line right after the boundary is empty, or `--` for the closing one
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + HEADERS_END.length);
        const isFile = /content-disposition:[^\r\n]*;\s*filename\*?=/i.test(head);
        if (isFile && found) throw validation('Send one file per upload.');
        state = isFile ? 'file' : found ? 'after' : 'field';
        found ||= isFile;
      }
      if (state === 'file') {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          // keep what could be the start of the delimiter; pass the rest on
          const keep = Math.min(buf.length, delimiter.length - 1);
          if (buf.length > keep) yield buf.subarray(0, buf.length - keep);
          buf = buf.subarray(buf.length - keep);
          break;
        }
        if (at > 0) yield buf.subarray(0, at);
        buf = buf.subarray(at + delimiter.length);
        state = 'after';
      }
    }
  }
  if (!found) throw validation('The form holds no file: send the PDF as a file field (curl -F file=@scan.pdf).');
  if (state === 'file') throw validation('The upload was interrupted before the whole file arrived. Send it again.');
}
