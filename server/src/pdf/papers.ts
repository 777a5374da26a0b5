/**
 * Printed exam papers (issue 17): one booklet per paper — a cover (student's name and class, or blank lines for
 * an anonymous paper, and the paper's number), then the answer pages, on the question paper when one was uploaded.
 * Every page carries its code (pdf/codes.ts) twice, in the top-right and bottom-left corners: handwriting rarely
 * goes there, a staple in the top-left corner misses both, and a scribble over one leaves the other.
 *
 * The codes are drawn as vector rectangles (crisp at any printer resolution, a few hundred bytes a page). Output
 * is deterministic: fixed metadata (pdf-meta.ts), a fixed font subset name, and nothing from the clock.
 */
import { PDFDocument, rgb, type PDFFont, type PDFPage, type PDFEmbeddedPage } from 'pdf-lib';
import { fontBytes } from './assets.ts';
import { codeModules } from './codes.ts';
import { cachingFontkit } from './pdf-lib-font-cache.ts';
import { setFixedMetadata } from './pdf-meta.ts';
import './pdf-lib-fast-copy.ts';
import './pdf-lib-fast-number.ts';
import './pdf-lib-native-deflate.ts';

export interface PaperBooklet {
  paper: number;
  studentName: string | null;
  className: string | null;
}

export interface PapersInput {
  examId: string;
  examTitle: string;
  booklets: PaperBooklet[];
  /** answer pages per booklet, after the cover */
  pages: number;
  /** a PDF whose pages are drawn behind the answer pages (page i behind page i; blank past its end) */
  background?: Uint8Array | null;
  language?: 'fr' | 'en';
}

const A4 = { w: 595.28, h: 841.89 };
const MM = 72 / 25.4;
/** One QR module: 0.56 mm, over 3 pixels on a 150 dpi scan; version 4 (33 modules) is then 18.6 mm wide. */
const MODULE = 0.56 * MM;
/** From the sheet's edges to the code: clear of a printer's unprintable border and of a scanner's crop. */
const EDGE = 8 * MM;
/** The question paper is scaled into the sheet less these margins, so that it never runs under a code. */
const BACKGROUND_MARGIN = 30 * MM;

const LABELS = {
  fr: { paper: 'Copie n°', page: 'page', name: 'Nom et prénom', class: 'Classe', cover: 'Ne rien écrire dans les coins marqués.', doc: 'Sujets imprimés' },
  en: { paper: 'Paper no.', page: 'page', name: 'Name', class: 'Class', cover: 'Do not write over the corner codes.', doc: 'Printed papers' },
} as const;

export async function renderPapers(input: PapersInput): Promise<Uint8Array> {
  const L = LABELS[input.language ?? 'fr'];
  const doc = await PDFDocument.create({ updateMetadata: false });
  setFixedMetadata(doc, `${L.doc} — ${input.examTitle}`);
  doc.registerFontkit(cachingFontkit);
  const { regular: regularBytes, bold: boldBytes } = fontBytes();
  const regular = await doc.embedFont(regularBytes, { subset: true, customName: 'KRGREG+DejaVuSans' });
  const bold = await doc.embedFont(boldBytes, { subset: true, customName: 'KRGBLD+DejaVuSans-Bold' });
  const backgrounds = input.background ? await embedBackground(doc, input.background, input.pages) : [];

  for (const b of input.booklets) {
    const total = input.pages;
    const cover = doc.addPage([A4.w, A4.h]);
    drawCover(cover, b, input.examTitle, L, regular, bold);
    await drawCodes(cover, { examId: input.examId, paper: b.paper, page: 0 }, `${L.paper} ${b.paper}`, regular);
    for (let p = 1; p <= total; p++) {
      const page = doc.addPage([A4.w, A4.h]);
      const bg = backgrounds[p - 1];
      if (bg) {
        const scale = Math.min((A4.w - 2 * BACKGROUND_MARGIN) / bg.width, (A4.h - 2 * BACKGROUND_MARGIN) / bg.height, 1);
        const w = bg.width * scale;
        const h = bg.height * scale;
        page.drawPage(bg, { x: (A4.w - w) / 2, y: (A4.h - h) / 2, width: w, height: h });
      }
      await drawCodes(page, { examId: input.examId, paper: b.paper, page: p }, `${L.paper} ${b.paper} · ${L.page} ${p}/${total}`, regular);
    }
  }
  return doc.save({ useObjectStreams: true });
}

/** Pages of a question paper; pdf-lib refuses an encrypted file, and the caller turns any failure into a 422. */
export async function countPdfPages(bytes: Uint8Array): Promise<number> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  return doc.getPageCount();
}

async function embedBackground(doc: PDFDocument, bytes: Uint8Array, pages: number): Promise<PDFEmbeddedPage[]> {
  const source = await PDFDocument.load(bytes, { updateMetadata: false });
  const n = Math.min(source.getPageCount(), pages);
  if (n === 0) return [];
  // embedded once, drawn behind the same page of every booklet
  return doc.embedPages(source.getPages().slice(0, n));
}

function fit(font: PDFFont, text: string, size: number, width: number): number {
  let s = size;
  while (s > 7 && font.widthOfTextAtSize(text, s) > width) s -= 0.5;
  return s;
}

function drawCover(page: PDFPage, b: PaperBooklet, title: string, L: (typeof LABELS)[keyof typeof LABELS], regular: PDFFont, bold: PDFFont) {
  const x = 40 * MM;
  const width = A4.w - 2 * x;
  const grey = rgb(0.35, 0.35, 0.35);
  // everything that names the student stays in the top 30 % of the cover: the identification desk's header crop,
  // which is also what the anonymity mask covers for correctors (HEADER_CROP, identification.service.ts)
  let y = A4.h - 32 * MM;
  page.drawText(title, { x, y, size: fit(bold, title, 18, width), font: bold });
  y -= 11 * MM;
  page.drawText(`${L.paper} ${b.paper}`, { x, y, size: 13, font: bold });
  y -= 10 * MM;
  page.drawText(L.name, { x, y, size: 9, font: regular, color: grey });
  y -= 9 * MM;
  if (b.studentName) page.drawText(b.studentName, { x, y, size: fit(bold, b.studentName, 18, width), font: bold });
  else page.drawLine({ start: { x, y: y - 2 }, end: { x: x + width, y: y - 2 }, thickness: 0.8, color: grey });
  y -= 9 * MM;
  page.drawText(L.class, { x, y, size: 9, font: regular, color: grey });
  y -= 8 * MM;
  if (b.className) page.drawText(b.className, { x, y, size: 14, font: regular });
  else page.drawLine({ start: { x, y: y - 2 }, end: { x: x + width / 2, y: y - 2 }, thickness: 0.8, color: grey });
  page.drawText(L.cover, { x, y: 40 * MM, size: 9, font: regular, color: grey });
}

/**
 * The page's code in both corners, as one content stream of its own: the modules in integer module units under a
 * scaling `cm`, one rectangle per run of dark modules. Written as text rather than as pdf-lib operators, which
 * cost more than the rest of the page put together (a number object and its formatting per coordinate).
 */
async function drawCodes(page: PDFPage, code: { examId: string; paper: number; page: number }, label: string, font: PDFFont) {
  const { size, dark } = await codeModules(code);
  const side = size * MODULE;
  const runs: string[] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; ) {
      if (!dark[row * size + col]) {
        col++;
        continue;
      }
      let end = col;
      while (end < size && dark[row * size + end]) end++;
      runs.push(`${col} ${size - row - 1} ${end - col} 1 re`);
      col = end;
    }
  }
  const rects = runs.join('\n');
  const m = MODULE.toFixed(4);
  // top-right and bottom-left corners (PDF origin: bottom-left)
  const corners: Array<[number, number]> = [
    [A4.w - EDGE - side, A4.h - EDGE - side],
    [EDGE, EDGE],
  ];
  const content = corners.map(([x, y]) => `q ${m} 0 0 ${m} ${x.toFixed(2)} ${y.toFixed(2)} cm 0 g\n${rects}\nf Q`).join('\n');
  const stream = page.doc.context.flateStream(content);
  page.node.addContentStream(page.doc.context.register(stream));
  const size7 = 7;
  page.drawText(label, { x: A4.w - EDGE - font.widthOfTextAtSize(label, size7), y: A4.h - EDGE - side - 3 * MM, size: size7, font, color: rgb(0.3, 0.3, 0.3) });
}
