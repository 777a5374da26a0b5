/**
 * The one door into the PDF engine (`ctx.pdf`): upload checks, ingest renders, masks, ink and final PDFs all go
 * through this interface, so a test can swap any of it and a service never names a thread pool, a lane's pool or a
 * file path. Bytes and stored blobs in, bytes out: the engine never touches the database.
 */
import type { StoredBlob } from '../storage/blob-store.ts';
import type { InspectOptions, PdfInspection } from './inspect.ts';
import type { MaskRect } from './mask.ts';
import type { ReadCode } from './codes.ts';
import type { PapersInput } from './papers.ts';
import type { CopyRenderer, FlattenInput, PageImage, PdfLane } from './types.ts';

export interface PdfEngine extends CopyRenderer {
  /** Validates an upload and maps its scanned pages (quick lane). The bytes move to the engine: unusable afterwards. */
  inspectUpload(bytes: Uint8Array, caps: InspectOptions): Promise<PdfInspection>;
  /** The same check of a stored scan (quick lane). */
  inspectStored(scan: StoredBlob, caps: InspectOptions): Promise<PdfInspection>;
  /** Images of these 0-based pages of a stored scan, in that order, rendered on `lane`. */
  renderPages(scan: StoredBlob, pageIndices: number[], lane: PdfLane): Promise<PageImage[]>;
  /** How many tasks a lane runs at once: the caller cuts its work into that many parts. */
  threads(lane: PdfLane): Promise<number>;
  /** The JPEG with `rect` painted over (bulk lane). */
  maskImage(jpeg: Uint8Array, rect: MaskRect): Promise<PageImage>;
  /** Share of dark pixels of each JPEG (bulk lane). */
  measureInk(images: Uint8Array[]): Promise<number[]>;
  /** Printed papers with their page codes (bulk lane). */
  renderPapers(input: PapersInput): Promise<Uint8Array>;
  /** The page code of each scanned page's JPEG, null where none was read (on `lane`). */
  readPageCodes(jpegs: Uint8Array[], lane: PdfLane): Promise<Array<ReadCode | null>>;
  /** Pages of a PDF that is not a scan (a question paper; quick lane); throws on an unreadable file. */
  countPdfPages(bytes: Uint8Array): Promise<number>;
}

/** The lane's process-wide worker pool; imported lazily so processes that never touch a PDF start no thread. */
const pool = async (lane: PdfLane) => (await import('./pool.ts')).getPdfPool(lane);

/**
 * The engine on the bounded worker pools (pool.ts, budget.ts). A stored scan on local disk is opened by the worker
 * thread itself (`localFile`, the one place a path leaves the blob store); any other store's bytes are posted.
 */
export const defaultPdfEngine: PdfEngine = {
  render: async (input: FlattenInput) => (await pool('bulk')).flattenCopy(input),
  inspectUpload: async (bytes, caps) => (await pool('quick')).inspectPdfMoving(bytes, caps),
  async inspectStored(scan, caps) {
    const file = scan.localFile();
    if (file) return (await pool('quick')).inspectPdfFile(file, caps);
    const bytes = await scan.read();
    // moved to the thread only when the bytes own their whole buffer (a small Buffer may share Node's pool)
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return own ? (await pool('quick')).inspectPdfMoving(bytes, caps) : (await pool('quick')).inspectPdf(bytes, caps);
  },
  async renderPages(scan, pageIndices, lane) {
    const file = scan.localFile();
    return file ? (await pool(lane)).renderPagesOfFile(file, pageIndices) : (await pool(lane)).renderPages(await scan.read(), pageIndices);
  },
  threads: async (lane) => (await pool(lane)).size,
  maskImage: async (jpeg, rect) => (await pool('bulk')).maskImage(jpeg, rect),
  measureInk: async (images) => (await pool('bulk')).measureInk(images),
  renderPapers: async (input) => (await pool('bulk')).renderPapers(input),
  readPageCodes: async (jpegs, lane) => (await pool(lane)).readPageCodes(jpegs),
  countPdfPages: async (bytes) => (await pool('quick')).countPdfPages(bytes),
};

/** The default renderer of final PDFs (the engine's `render`), for tests that wrap it. */
export const defaultRenderer: CopyRenderer = { render: (input) => defaultPdfEngine.render(input) };

/** `engine` with its final-PDF rendering done by `renderer` (tests inject a failing or gated renderer). */
export function withRenderer(engine: PdfEngine, renderer: CopyRenderer): PdfEngine {
  return { ...engine, render: (input) => renderer.render(input) };
}
