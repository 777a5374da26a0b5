import { PDFDocument } from 'pdf-lib';
import './pdf-lib-fast-copy.ts';
import './pdf-lib-fast-stream-end.ts';
import { setFixedMetadata } from './pdf-meta.ts';

/**
 * Cuts a scan into one PDF per range of 0-based pages, both ends included. Pages are copied object by object, so
 * page images keep their exact bytes (the page-image passthrough still applies to the parts).
 */
export async function splitPdf(bytes: Uint8Array, ranges: Array<[number, number]>): Promise<Uint8Array[]> {
  const source = await PDFDocument.load(bytes, { updateMetadata: false });
  const pageCount = source.getPageCount();
  const parts: Uint8Array[] = [];
  for (const [start, end] of ranges) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end >= pageCount) {
      throw new RangeError(`Invalid page range [${start}, ${end}] for a PDF of ${pageCount} pages`);
    }
    const part = await PDFDocument.create({ updateMetadata: false });
    setFixedMetadata(part, `Pages ${start + 1}-${end + 1}`);
    const indices = Array.from({ length: end - start + 1 }, (_, i) => start + i);
    for (const page of await part.copyPages(source, indices)) part.addPage(page);
    parts.push(await part.save());
  }
  return parts;
}
