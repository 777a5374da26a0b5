import type { PDFDocument } from 'pdf-lib';
import { AppError, invalidPdf } from '../errors.ts';
import { checkBudgets } from './budget.ts';
import { loadShared, opensWithoutPassword, scanPageRanges, type ScanPageRange } from './page-image.ts';

export interface InspectOptions {
  maxPages: number;
  maxBytes: number;
}

export interface PdfInspection {
  pageCount: number;
  /** Per page, where its scanned JPEG lies in the file, or null for a page that must be rendered. */
  scanPages: Array<ScanPageRange | null>;
}

/** Bytes that start common files teachers upload by mistake, to name them in the error. */
const IMAGE_MAGIC: Array<{ kind: string; magic: number[] }> = [
  { kind: 'a JPEG image', magic: [0xff, 0xd8, 0xff] },
  { kind: 'a PNG image', magic: [0x89, 0x50, 0x4e, 0x47] },
  { kind: 'a TIFF image', magic: [0x49, 0x49, 0x2a, 0x00] },
  { kind: 'a TIFF image', magic: [0x4d, 0x4d, 0x00, 0x2a] },
  { kind: 'a ZIP archive or an Office document', magic: [0x50, 0x4b, 0x03, 0x04] },
];

// Readers accept a header anywhere in the first KiB, and an end marker followed by a little padding.
const HEADER_WINDOW = 1024;
const TRAILER_WINDOW = 1024;

/**
 * Checks an uploaded file before anything is stored: everything later (split, page images) may assume a readable,
 * unencrypted PDF within the caps. Every rejection is an AppError whose message a teacher can act on. While the
 * file is parsed anyway, it also maps where each scanned page's JPEG lies in it, so ingest need not parse it again.
 */
export async function inspectPdf(bytes: Uint8Array, opts: InspectOptions): Promise<PdfInspection> {
  if (bytes.length === 0) throw invalidPdf('The file is empty.');
  if (bytes.length > opts.maxBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      413,
      `The file is ${formatMb(bytes.length)}; the limit is ${formatMb(opts.maxBytes)}. Split the scan into smaller files.`,
    );
  }
  const header = indexOfAscii(bytes, '%PDF-', 0, HEADER_WINDOW);
  if (header < 0) {
    const known = IMAGE_MAGIC.find(({ magic }) => magic.every((b, i) => bytes[i] === b));
    throw invalidPdf(
      known
        ? `This file is ${known.kind}, not a PDF (it may have been renamed to .pdf). Scan or export to PDF.`
        : 'This file is not a PDF. Scan or export the copies to PDF and upload that file.',
    );
  }
  if (indexOfAscii(bytes, '%%EOF', Math.max(0, bytes.length - TRAILER_WINDOW), bytes.length) < 0) {
    throw invalidPdf('The PDF is incomplete: the file was cut off during the scan or the upload. Upload it again.');
  }
  /*
   * pdf-lib reads objects in file order and never consults the cross-reference table, so it would accept a file
   * whose table is garbage; a broken table means the bytes were altered (corruption, a text-mode transfer), and
   * the images inside are then suspect too.
   */
  if (!crossReferenceIsReadable(bytes, header)) {
    throw invalidPdf('The PDF is damaged: its internal index is unreadable. Export or scan it again, then upload it.');
  }

  let doc: PDFDocument;
  try {
    // Encryption is detected on the loaded document: pdf-lib's EncryptedPDFError fails `instanceof` (ES5 build).
    doc = await loadShared(bytes, { throwOnInvalidObject: true, ignoreEncryption: true });
  } catch {
    throw invalidPdf('The PDF is damaged and cannot be read. Export or scan it again, then upload the new file.');
  }
  if (doc.isEncrypted && !(await opensWithoutPassword(bytes))) {
    throw invalidPdf(
      'The PDF is password-protected or encrypted. Save or export it again without protection, then upload it.',
    );
  }

  let pageCount: number;
  try {
    pageCount = doc.getPageCount();
  } catch {
    throw invalidPdf('The PDF is damaged: its list of pages cannot be read. Export or scan it again.');
  }
  if (pageCount === 0) throw invalidPdf('The PDF has no pages.');
  if (pageCount > opts.maxPages) {
    throw invalidPdf(`The PDF has ${pageCount} pages; the limit is ${opts.maxPages}. Split it into smaller files.`);
  }
  // the structure is not encrypted, the streams are: an encrypted file's content is bounded by the render's limits
  checkBudgets(doc);
  // pdf-lib cannot decrypt: the pages of a file with an owner password are rendered (by pdfjs, which can)
  return { pageCount, scanPages: doc.isEncrypted ? doc.getPages().map(() => null) : scanPageRanges(doc, bytes) };
}

/**
 * Whether `startxref` leads to a well-formed cross-reference section: a classic table whose rows all parse, or an
 * xref stream object. Offsets may count from the file start or from the header (junk before `%PDF-`).
 */
function crossReferenceIsReadable(bytes: Uint8Array, header: number): boolean {
  const tail = latin1(bytes.subarray(Math.max(0, bytes.length - TRAILER_WINDOW)));
  const match = /startxref\s+(\d+)/.exec(tail.slice(tail.lastIndexOf('startxref')));
  if (!match) return false;
  const offset = Number(match[1]);
  return [offset, offset + header].some((at) => at < bytes.length && sectionAt(bytes, at));
}

function sectionAt(bytes: Uint8Array, at: number): boolean {
  const head = latin1(bytes.subarray(at, at + 32));
  if (head.startsWith('xref')) return tableAt(bytes, at + 4);
  if (!/^\d+\s+\d+\s+obj\b/.test(head)) return false;
  const dict = latin1(bytes.subarray(at, at + 8192));
  const end = dict.indexOf('stream');
  return /\/Type\s*\/XRef\b/.test(end < 0 ? dict : dict.slice(0, end));
}

const SUBSECTION = /^\s*(\d+)\s+(\d+)[ \t]*/;
const ENTRY = /\s*\d{10}\s\d{5}\s[nf]/y;

function tableAt(bytes: Uint8Array, start: number): boolean {
  let pos = start;
  for (;;) {
    const head = latin1(bytes.subarray(pos, pos + 64));
    if (/^\s*trailer/.test(head)) return true;
    const sub = SUBSECTION.exec(head);
    if (!sub) return false;
    const count = Number(sub[2]);
    pos += sub[0].length;
    // Rows are 20 bytes; the slack tolerates writers that end rows with a lone CR or LF plus leading blanks.
    const body = latin1(bytes.subarray(pos, pos + count * 22 + 2));
    ENTRY.lastIndex = 0;
    for (let i = 0; i < count; i++) {
      if (!ENTRY.exec(body)) return false;
    }
    pos += ENTRY.lastIndex;
  }
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

function formatMb(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function indexOfAscii(bytes: Uint8Array, needle: string, from: number, to: number): number {
  const end = Math.min(to, bytes.length) - needle.length;
  outer: for (let i = from; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (bytes[i + j] !== needle.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}
