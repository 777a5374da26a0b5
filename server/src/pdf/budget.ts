/**
 * What a PDF declares, checked before any page is rendered (DESIGN.md §9 "Bounded PDF work"): a few kilobytes can
 * describe gigabytes of pixels, of inflated content or of nested drawing. Every check reads the structure only:
 * images are judged by their declared /Width × /Height, content streams are inflated no further than the budget,
 * and form XObjects are counted with memoization (2^24 draws cost 24 visits). Whatever these checks cannot foresee
 * is bounded by the worker's memory limit and deadline (pool.ts).
 */
import { decodePDFRawStream, PDFArray, PDFDict, PDFName, PDFNumber, PDFRawStream, type PDFDocument, type PDFObject } from 'pdf-lib';
import { AppError } from '../errors.ts';

export const PDF_BUDGETS = {
  /** an A4 page at 600 dpi is 35 MP; a decoded image costs 4 bytes per pixel in the renderer */
  maxImagePixels: 50_000_000,
  /** decoded content of one page, forms included; a scanner writes under 1 KB, a dense vector page a few MB */
  maxContentBytes: 16 * 1024 * 1024,
  /** forms inside forms; real documents stay in single digits */
  maxFormDepth: 12,
  /** images and forms drawn by one page, counting every repetition */
  maxDraws: 100_000,
  /** image pixels drawn by one page, counting every repetition: a scan draws its one image once */
  maxDrawnPixels: 100_000_000,
} as const;

/** Refuses the document (422 INVALID_PDF naming the page, also given as `page`) if one of its pages exceeds a budget. */
export function checkBudgets(doc: PDFDocument): void {
  const cache = new Map<PDFObject, Cost>();
  doc.getPages().forEach((page, index) => {
    const fail = (why: string) => {
      const detail = `Page ${index + 1} ${why}. This is not a scan the server can process safely; scan or export it again.`;
      throw new AppError('INVALID_PDF', 422, detail, { page: index + 1 });
    };
    const contents = page.node.Contents();
    const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
    let bytes = 0;
    let draws = 0;
    let pixels = 0;
    const resources = page.node.Resources();
    for (const s of streams) {
      if (!(s instanceof PDFRawStream)) continue;
      const cost = streamCost(s, resources, 0, cache, new Set(), fail);
      bytes += cost.bytes;
      draws += cost.draws;
      pixels += cost.pixels;
    }
    if (bytes > PDF_BUDGETS.maxContentBytes) fail(`has more drawing instructions than allowed (over ${PDF_BUDGETS.maxContentBytes / 1024 / 1024} MB)`);
    if (draws > PDF_BUDGETS.maxDraws) fail(`draws images or forms ${draws.toLocaleString('en')} times (the limit is ${PDF_BUDGETS.maxDraws.toLocaleString('en')})`);
    if (pixels > PDF_BUDGETS.maxDrawnPixels) fail(`draws ${Math.round(pixels / 1e6)} million image pixels (the limit is ${PDF_BUDGETS.maxDrawnPixels / 1e6} million)`);
  });
}

/** What drawing a stream costs: decoded content bytes, draws, image pixels, each counting every repetition. */
interface Cost {
  bytes: number;
  draws: number;
  pixels: number;
}

type Fail = (why: string) => never;

/** What drawing `stream` costs, forms it draws included; `depth` is how deep in forms it lies. */
function streamCost(stream: PDFRawStream, resources: PDFDict | undefined, depth: number, cache: Map<PDFObject, Cost>, drawing: Set<PDFObject>, fail: Fail): Cost {
  if (depth > PDF_BUDGETS.maxFormDepth) fail(`nests forms more than ${PDF_BUDGETS.maxFormDepth} levels deep`);
  const content = boundedDecode(stream, PDF_BUDGETS.maxContentBytes);
  if (content === 'over') fail(`has more drawing instructions than allowed (over ${PDF_BUDGETS.maxContentBytes / 1024 / 1024} MB)`);
  const cost: Cost = { bytes: content?.length ?? 0, draws: 0, pixels: 0 };
  if (!content) return cost; // unreadable: the renderer skips it too
  const xobjects = resources?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  for (const name of drawnNames(content)) {
    const target = xobjects?.lookup(PDFName.of(name));
    if (!(target instanceof PDFRawStream)) continue;
    cost.draws += 1;
    const subtype = target.dict.lookup(PDFName.of('Subtype'));
    if (subtype === PDFName.of('Image')) {
      cost.pixels += imagePixels(target, fail);
      continue;
    }
    if (subtype !== PDFName.of('Form')) continue;
    if (drawing.has(target)) fail('has a form that draws itself');
    let sub = cache.get(target);
    if (!sub) {
      drawing.add(target);
      const own = target.dict.lookupMaybe(PDFName.of('Resources'), PDFDict) ?? resources;
      sub = streamCost(target, own, depth + 1, cache, drawing, fail);
      drawing.delete(target);
      cache.set(target, sub);
    }
    cost.bytes += sub.bytes;
    cost.draws += sub.draws;
    cost.pixels += sub.pixels;
    // checked as it grows: a repeated form multiplies, and the counts could leave the safe integers
    if (cost.draws > PDF_BUDGETS.maxDraws || cost.bytes > PDF_BUDGETS.maxContentBytes || cost.pixels > PDF_BUDGETS.maxDrawnPixels) break;
  }
  return cost;
}

/** The image's declared pixels, its soft mask's included; fails past the cap for one image. */
function imagePixels(image: PDFRawStream, fail: Fail): number {
  let total = 0;
  for (const stream of [image, image.dict.lookup(PDFName.of('SMask'))]) {
    if (!(stream instanceof PDFRawStream)) continue;
    const w = stream.dict.lookup(PDFName.of('Width'));
    const h = stream.dict.lookup(PDFName.of('Height'));
    const pixels = (w instanceof PDFNumber ? w.asNumber() : 0) * (h instanceof PDFNumber ? h.asNumber() : 0);
    if (pixels > PDF_BUDGETS.maxImagePixels) {
      fail(`holds an image of ${w?.toString()} × ${h?.toString()} pixels (the limit is ${PDF_BUDGETS.maxImagePixels / 1e6} million pixels)`);
    }
    total += pixels;
  }
  return total;
}

/**
 * The stream's decoded bytes, never inflating more than `limit` + one block: 'over' past it, null when it cannot
 * be decoded (an unknown filter, corrupt data).
 */
export function boundedDecode(stream: PDFRawStream, limit: number): Uint8Array | 'over' | null {
  try {
    const bytes = decodePDFRawStream(stream).getBytes(limit + 1) as Uint8Array;
    return bytes.length > limit ? 'over' : bytes;
  } catch {
    return null;
  }
}

/**
 * The names given to `Do` in a content stream, one per draw. A lexer just good enough to count: strings, hex
 * strings, comments and inline image data are skipped so that bytes inside them are never taken for operators.
 */
export function drawnNames(bytes: Uint8Array): string[] {
  const names: string[] = [];
  let lastName: string | null = null;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c === 0x28) {
      // literal string: balanced parentheses, backslash escapes
      let level = 1;
      for (i++; i < n && level > 0; i++) {
        if (bytes[i] === 0x5c) i++;
        else if (bytes[i] === 0x28) level++;
        else if (bytes[i] === 0x29) level--;
      }
      lastName = null;
    } else if (c === 0x3c && bytes[i + 1] !== 0x3c) {
      while (i < n && bytes[i] !== 0x3e) i++;
      i++;
      lastName = null;
    } else if (c === 0x25) {
      while (i < n && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
    } else if (c === 0x2f) {
      const start = ++i;
      while (i < n && isRegular(bytes[i]!)) i++;
      lastName = latin1(bytes, start, i);
    } else if (isRegular(c)) {
      const start = i;
      while (i < n && isRegular(bytes[i]!)) i++;
      const token = latin1(bytes, start, i);
      if (token === 'Do' && lastName !== null) names.push(lastName);
      if (token === 'ID') i = skipInlineImage(bytes, i);
      lastName = null;
    } else i++;
  }
  return names;
}

/** Past the data of an inline image: to the first `EI` standing alone after white space. */
function skipInlineImage(bytes: Uint8Array, from: number): number {
  for (let i = from + 1; i + 1 < bytes.length; i++) {
    const after = bytes[i + 2];
    if (bytes[i] === 0x45 && bytes[i + 1] === 0x49 && isWhite(bytes[i - 1]!) && (after === undefined || !isRegular(after))) return i + 2;
  }
  return bytes.length;
}

const isWhite = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
const isRegular = (c: number) => !isWhite(c) && !'()<>[]{}/%'.includes(String.fromCharCode(c));
const latin1 = (b: Uint8Array, start: number, end: number) => Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
