import fs from 'node:fs/promises';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRawStream,
  ParseSpeeds,
  type PDFObject,
  type PDFPage,
} from 'pdf-lib';
import { PDFJS_DATA } from './assets.ts';
import './pdf-lib-fast-stream-end.ts';
import { boundedDecode, PDF_BUDGETS } from './budget.ts';
import { withCanvas } from './canvas.ts';
import type { PageImage } from './types.ts';

export interface PageImageOptions {
  /** Rendering resolution for pages that are not a plain scanned JPEG. */
  dpi?: number;
  jpegQuality?: number;
}

const DEFAULT_RENDER_DPI = 150;
const DEFAULT_JPEG_QUALITY = 80;
// A poster-sized page at 150 dpi would need gigabytes of canvas; beyond this many pixels the scale is reduced.
const MAX_RENDER_PIXELS = 40_000_000;

/**
 * One image per page, in page order. A page that is exactly one full-page JPEG (what scanners write) yields those
 * JPEG bytes untouched; any other page is rendered with pdfjs and encoded as JPEG (never PNG: encoding dominates).
 */
export async function extractPageImages(pdfBytes: Uint8Array, opts: PageImageOptions = {}, onPage?: (page: number) => void): Promise<PageImage[]> {
  const doc = await loadShared(pdfBytes);
  const images: Array<PageImage | null> = doc.getPages().map((page) => {
    const jpeg = scannedJpeg(page);
    // a copy that owns its buffer: a view would keep the whole PDF alive, and be cloned whole between threads
    return jpeg && { bytes: Uint8Array.prototype.slice.call(jpeg.bytes), contentType: 'image/jpeg', widthPx: jpeg.widthPx, heightPx: jpeg.heightPx };
  });
  const toRender = images.flatMap((image, index) => (image ? [] : [index]));
  if (toRender.length > 0) {
    const rendered = await renderPages(Uint8Array.prototype.slice.call(pdfBytes), toRender, opts, onPage);
    toRender.forEach((pageIndex, i) => (images[pageIndex] = rendered[i] ?? null));
  }
  return images.map((image, i) => {
    if (!image) throw new Error(`Page ${i + 1} produced no image`);
    return image;
  });
}

/**
 * Where a scanned page's JPEG lies in the PDF file: the bytes `offset` … `offset + length - 1` are exactly the JPEG
 * the page shows (see `scannedJpeg`), so they can be served as the page image without being copied anywhere.
 */
export interface ScanPageRange {
  offset: number;
  length: number;
  widthPx: number;
  heightPx: number;
}

/**
 * For each page of `doc` (loaded from `source` by `loadShared`), the byte range of its passthrough JPEG in
 * `source`, or null where the page must be rendered (also when its structure is too odd to judge: the renderer
 * copes with more). No byte is copied: a stream parsed by `loadShared` is a view into `source`, and its position
 * there is its position in the file.
 */
export function scanPageRanges(doc: PDFDocument, source: Uint8Array): Array<ScanPageRange | null> {
  return doc.getPages().map((page) => {
    let jpeg: ScanJpeg | null;
    try {
      jpeg = scannedJpeg(page);
    } catch {
      return null;
    }
    if (!jpeg || jpeg.bytes.buffer !== source.buffer) return null;
    const offset = jpeg.bytes.byteOffset - source.byteOffset;
    if (offset < 0 || offset + jpeg.bytes.length > source.length) return null;
    return { offset, length: jpeg.bytes.length, widthPx: jpeg.widthPx, heightPx: jpeg.heightPx };
  });
}

/** Renders the given 0-based pages of the PDF at `path` (see `extractPageImages`), in the order given. */
export async function renderPagesOfFile(path: string, pageIndices: number[], opts: PageImageOptions = {}, onPage?: (page: number) => void): Promise<PageImage[]> {
  const file = await fs.readFile(path);
  // pdfjs refuses a Buffer; this view over the file's own memory is no copy
  return renderPages(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), pageIndices, opts, onPage);
}

/**
 * pdf-lib copies every stream out of the source as it parses (`bytes.slice`): for a scan, a second copy of every
 * image, all alive at once. Parsed through a view whose `slice` is a `subarray`, the streams stay views into the
 * source instead, so the document costs its source once, and a stream's offset in the file is known
 * (`scanPageRanges`). Nothing mutates parsed stream contents, and a passthrough JPEG handed out as bytes is copied
 * into its own buffer (`extractPageImages`). Only this view behaves so: the caller's array is untouched. Parsed in one go: yielding to the event loop every 100 objects helps no one in a worker.
 */
export function loadShared(bytes: Uint8Array, options: { throwOnInvalidObject?: boolean; ignoreEncryption?: boolean } = {}): Promise<PDFDocument> {
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  Object.defineProperty(view, 'slice', { value: view.subarray });
  return PDFDocument.load(view, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest, ...options });
}

/** A page's embedded JPEG as parsed: `bytes` is a view into the loaded PDF (`loadShared`), not a copy. */
interface ScanJpeg {
  bytes: Uint8Array;
  widthPx: number;
  heightPx: number;
}

type Matrix = [number, number, number, number, number, number];
const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/** `m` applied after `ctm`, as the `cm` operator does. */
function concat(m: Matrix, ctm: Matrix): Matrix {
  return [
    m[0] * ctm[0] + m[1] * ctm[2],
    m[0] * ctm[1] + m[1] * ctm[3],
    m[2] * ctm[0] + m[3] * ctm[2],
    m[2] * ctm[1] + m[3] * ctm[3],
    m[4] * ctm[0] + m[5] * ctm[2] + ctm[4],
    m[4] * ctm[1] + m[5] * ctm[3] + ctm[5],
  ];
}

// Operators that only set state which cannot change how an opaque image looks.
const HARMLESS_OPERATORS = new Set(['w', 'J', 'j', 'M', 'ri', 'i']);

/**
 * The page's JPEG when the page shows nothing but that JPEG, upright, covering the visible page; otherwise null.
 * Anything the image bytes alone would not reproduce (rotation, crop, masks, CMYK, other drawing, annotations)
 * sends the page to the renderer instead.
 */
function scannedJpeg(page: PDFPage): ScanJpeg | null {
  if (page.getRotation().angle % 360 !== 0) return null;
  const annots = page.node.Annots();
  if (annots && annots.size() > 0) return null;

  const content = contentBytes(page);
  const ops = content && tokenizeContent(content);
  if (!ops) return null;

  let ctm = IDENTITY;
  const stack: Matrix[] = [];
  let drawn: { name: string; ctm: Matrix } | null = null;
  for (const { op, operands } of ops) {
    if (op === 'q') stack.push(ctm);
    else if (op === 'Q') ctm = stack.pop() ?? IDENTITY;
    else if (op === 'cm') {
      if (operands.length !== 6 || operands.some((o) => typeof o !== 'number')) return null;
      ctm = concat(operands as Matrix, ctm);
    } else if (op === 'Do') {
      const name = operands[0];
      if (drawn || operands.length !== 1 || typeof name !== 'string') return null;
      drawn = { name, ctm };
    } else if (!HARMLESS_OPERATORS.has(op)) return null;
  }
  if (!drawn) return null;

  const [a, b, c, d, e, f] = drawn.ctm;
  const box = page.getCropBox();
  const tolX = Math.abs(box.width) * 0.01;
  const tolY = Math.abs(box.height) * 0.01;
  const coversPage =
    Math.abs(b) < 1e-6 && Math.abs(c) < 1e-6 && a > 0 && d > 0 &&
    Math.abs(e - box.x) <= tolX && Math.abs(e + a - (box.x + box.width)) <= tolX &&
    Math.abs(f - box.y) <= tolY && Math.abs(f + d - (box.y + box.height)) <= tolY;
  if (!coversPage) return null;

  const xobjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  const stream = xobjects?.lookup(PDFName.of(drawn.name));
  return stream instanceof PDFRawStream ? plainJpeg(stream) : null;
}

function plainJpeg(stream: PDFRawStream): ScanJpeg | null {
  const dict = stream.dict;
  const name = (key: string): string | undefined => {
    const v = dict.lookup(PDFName.of(key));
    return v instanceof PDFName ? v.decodeText() : undefined;
  };
  const num = (key: string): number | undefined => {
    const v = dict.lookup(PDFName.of(key));
    return v instanceof PDFNumber ? v.asNumber() : undefined;
  };
  if (name('Subtype') !== 'Image') return null;
  const filter = dict.lookup(PDFName.of('Filter'));
  const filters = filter instanceof PDFArray ? filter.asArray().map((f) => dict.context.lookup(f)) : [filter];
  if (filters.length !== 1 || !(filters[0] instanceof PDFName) || filters[0].decodeText() !== 'DCTDecode') return null;
  // Masks, decode arrays and a non-default colour transform change the pixels the PDF shows.
  for (const key of ['SMask', 'Mask', 'Decode', 'DecodeParms', 'ImageMask']) {
    if (dict.has(PDFName.of(key))) return null;
  }
  const bpc = num('BitsPerComponent');
  if (bpc !== undefined && bpc !== 8) return null;
  if (!isGrayOrRgb(dict.lookup(PDFName.of('ColorSpace')), dict)) return null;
  const widthPx = num('Width');
  const heightPx = num('Height');
  const bytes = stream.getContents();
  const header = jpegHeader(bytes);
  // Browsers apply an EXIF orientation that PDF readers ignore: such a JPEG would not show what the PDF shows.
  if (!header || header.orientation !== 1 || header.width !== widthPx || header.height !== heightPx) return null;
  return { bytes, widthPx, heightPx };
}

interface JpegHeader {
  width: number;
  height: number;
  orientation: number;
}

/** Frame size and EXIF orientation, read from the marker segments before the image data (nothing is decoded). */
export function jpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const u16 = (at: number) => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  let orientation = 1;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = u16(i + 2);
    if (marker === 0xe1) orientation = exifOrientation(bytes.subarray(i + 4, i + 2 + length)) ?? orientation;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: u16(i + 5), width: u16(i + 7), orientation };
    if (marker === 0xda) return null; // image data before any frame header
    i += 2 + length;
  }
  return null;
}

/** Tag 0x0112 of IFD0 in an APP1 "Exif" segment, or null when there is none. */
function exifOrientation(app1: Uint8Array): number | null {
  if (Buffer.from(app1.buffer, app1.byteOffset, Math.min(6, app1.length)).toString('latin1') !== 'Exif\0\0') return null;
  const tiff = app1.subarray(6);
  if (tiff.length < 8) return null;
  const little = tiff[0] === 0x49;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.length);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return null;
  const entries = view.getUint16(ifd, little);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    if (at + 12 > tiff.length) return null;
    if (view.getUint16(at, little) === 0x0112) return view.getUint16(at + 8, little);
  }
  return null;
}

/** CMYK and other spaces are left to the renderer: browsers show CMYK JPEGs inconsistently. */
function isGrayOrRgb(cs: PDFObject | undefined, dict: PDFDict): boolean {
  if (cs instanceof PDFName) return cs.decodeText() === 'DeviceRGB' || cs.decodeText() === 'DeviceGray';
  if (cs instanceof PDFArray && cs.size() === 2) {
    const family = dict.context.lookup(cs.get(0));
    const profile = dict.context.lookup(cs.get(1));
    if (family instanceof PDFName && family.decodeText() === 'ICCBased' && profile instanceof PDFRawStream) {
      const n = profile.dict.lookup(PDFName.of('N'));
      return n instanceof PDFNumber && (n.asNumber() === 1 || n.asNumber() === 3);
    }
  }
  return false;
}

/** Far above what a scanner writes (a few dozen bytes): a longer page draws more than its image. */
const SCAN_CONTENT_BYTES = 64 * 1024;

/** The page's decoded content when it is short enough to be a scanner's, else null. */
function contentBytes(page: PDFPage): Uint8Array | null {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
  const parts: Uint8Array[] = [];
  for (const s of streams) {
    if (!(s instanceof PDFRawStream)) return null;
    const part = boundedDecode(s, SCAN_CONTENT_BYTES);
    if (!part || part === 'over') return null;
    parts.push(part, SPACE);
  }
  return parts.length ? concatBytes(parts) : null;
}

const SPACE = new Uint8Array([0x20]);

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type Operand = number | string;
interface ContentOp {
  op: string;
  operands: Operand[];
}

const isWhite = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
const isDelimiter = (c: number) =>
  c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d ||
  c === 0x7b || c === 0x7d || c === 0x2f || c === 0x25;

/**
 * Just enough of a content-stream lexer for scanner pages: numbers, names and operators. Strings, arrays,
 * dictionaries and inline images mean the page draws more than an image, so they end the attempt (null).
 */
const MAX_TOKEN = 127; // the PDF limit for names; longer tokens mean binary data

function tokenizeContent(bytes: Uint8Array): ContentOp[] | null {
  const ops: ContentOp[] = [];
  let operands: Operand[] = [];
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (isWhite(c)) {
      i++;
      continue;
    }
    if (c === 0x25) {
      while (i < bytes.length && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
      continue;
    }
    const start = c === 0x2f ? i + 1 : i;
    if (isDelimiter(c) && c !== 0x2f) return null;
    i = start;
    while (i < bytes.length && !isWhite(bytes[i]!) && !isDelimiter(bytes[i]!)) i++;
    if (i - start > MAX_TOKEN) return null;
    const token = String.fromCharCode(...bytes.subarray(start, i));
    if (c === 0x2f) operands.push(token.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
    else if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(token)) operands.push(Number(token));
    else {
      if (token === 'BI') return null;
      ops.push({ op: token, operands });
      operands = [];
    }
  }
  return ops;
}

type PdfjsModule = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsModule: Promise<PdfjsModule> | undefined;

/** Loaded on first use: it is large and pure-scan batches never need it. */
function pdfjs(): Promise<PdfjsModule> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

/**
 * Whether an encrypted PDF opens without a password: an owner password alone (a copier's "PDF security") only
 * restricts printing or editing, and every reader opens such a file. pdfjs decrypts it; pdf-lib cannot.
 */
export async function opensWithoutPassword(pdfBytes: Uint8Array): Promise<boolean> {
  const { getDocument } = await pdfjs();
  const task = getDocument({ data: Uint8Array.prototype.slice.call(pdfBytes), password: '', isEvalSupported: false, useSystemFonts: false, verbosity: 0, ...PDFJS_DATA });
  try {
    await task.promise;
    return true;
  } catch {
    return false;
  } finally {
    await task.destroy();
  }
}

/**
 * The resolution to render a page at: `dpi`, or a bilevel scan's own resolution (up to 600 dpi), which a 150 dpi
 * JPEG would halve — and handwriting with it. Bilevel images are what copiers write in black and white: CCITT G4,
 * JBIG2, or 1 bit per pixel.
 */
function renderDpi(page: PDFPage, dpi: number): number {
  const xobjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  const box = page.getCropBox();
  const longestInches = Math.max(Math.abs(box.width), Math.abs(box.height)) / 72;
  let best = dpi;
  for (const [, ref] of xobjects?.entries() ?? []) {
    const image = page.doc.context.lookup(ref);
    if (!(image instanceof PDFRawStream) || !isBilevel(image.dict)) continue;
    const w = image.dict.lookup(PDFName.of('Width'));
    const h = image.dict.lookup(PDFName.of('Height'));
    if (!(w instanceof PDFNumber) || !(h instanceof PDFNumber) || longestInches <= 0) continue;
    best = Math.max(best, Math.min(MAX_BILEVEL_DPI, Math.max(w.asNumber(), h.asNumber()) / longestInches));
  }
  return best;
}

const MAX_BILEVEL_DPI = 600;

function isBilevel(dict: PDFDict): boolean {
  if (dict.lookup(PDFName.of('Subtype')) !== PDFName.of('Image')) return false;
  const bpc = dict.lookup(PDFName.of('BitsPerComponent'));
  if (dict.lookup(PDFName.of('ImageMask'))?.toString() === 'true' || (bpc instanceof PDFNumber && bpc.asNumber() === 1)) return true;
  const filter = dict.lookup(PDFName.of('Filter'));
  const filters = filter instanceof PDFArray ? filter.asArray() : [filter];
  return filters.some((f) => f === PDFName.of('CCITTFaxDecode') || f === PDFName.of('JBIG2Decode'));
}

/** The resolution of each of `pageIndices` (see `renderDpi`), read before pdfjs takes the bytes over. */
async function renderDpis(pdfBytes: Uint8Array, pageIndices: number[], dpi: number): Promise<number[]> {
  try {
    const doc = await loadShared(pdfBytes, { ignoreEncryption: true });
    return pageIndices.map((i) => renderDpi(doc.getPage(i), dpi));
  } catch {
    return pageIndices.map(() => dpi); // pdfjs reads more files than pdf-lib: render them at the default
  }
}

/** `pdfBytes` is handed to pdfjs, which takes ownership of (detaches) its buffer: pass a copy the caller can lose. */
/** Renders the given 0-based pages of a PDF held in memory, in the order given (`renderPagesOfFile` reads the file first). */
export async function renderPages(pdfBytes: Uint8Array, pageIndices: number[], opts: PageImageOptions, onPage?: (page: number) => void): Promise<PageImage[]> {
  const dpis = await renderDpis(pdfBytes, pageIndices, opts.dpi ?? DEFAULT_RENDER_DPI);
  const quality = opts.jpegQuality ?? DEFAULT_JPEG_QUALITY;
  // loading and parsing are spent for the first page: a deadline reached there names it
  if (pageIndices[0] !== undefined) onPage?.(pageIndices[0]);
  const { getDocument } = await pdfjs();
  // In Node pdfjs runs its "worker" in this thread, so eval and system fonts are off and the standard fonts, CMaps
  // and wasm decoders come from the package directory.
  const pdf = await getDocument({
    data: pdfBytes,
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: 0,
    // checked at upload (budget.ts); repeated here for documents that never went through that check
    maxImageSize: PDF_BUDGETS.maxImagePixels,
    ...PDFJS_DATA,
    cMapPacked: true,
  }).promise;
  try {
    const out: PageImage[] = [];
    for (const [i, index] of pageIndices.entries()) {
      onPage?.(index);
      const page = await pdf.getPage(index + 1);
      const dpi = dpis[i]!;
      let viewport = page.getViewport({ scale: dpi / 72 });
      const area = viewport.width * viewport.height;
      if (area > MAX_RENDER_PIXELS) viewport = page.getViewport({ scale: (dpi / 72) * Math.sqrt(MAX_RENDER_PIXELS / area) });
      const widthPx = Math.max(1, Math.round(viewport.width));
      const heightPx = Math.max(1, Math.round(viewport.height));
      const bytes = await withCanvas(widthPx, heightPx, async (canvas) => {
        await page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport }).promise;
        return new Uint8Array(await canvas.encode('jpeg', quality));
      });
      page.cleanup();
      out.push({ bytes, contentType: 'image/jpeg', widthPx, heightPx });
    }
    return out;
  } finally {
    await pdf.destroy();
  }
}
