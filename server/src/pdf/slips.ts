/**
 * Student account slips: one slip per student (name, class, login, one-time password, where to log in), eight
 * to an A4 page in two columns of four, with dashed cut lines between them. Text is real text in the embedded
 * DejaVu subset of the final PDFs (accents of any name, copyable and searchable), never an image.
 */
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { fontBytes } from './assets.ts';
import { cachingFontkit } from './pdf-lib-font-cache.ts';
import { setFixedMetadata } from './pdf-meta.ts';

export interface Slip {
  name: string;
  className: string | null;
  login: string;
  password: string;
}

const A4 = { w: 595.28, h: 841.89 };
export const SLIPS_PER_PAGE = 8;
const COLS = 2;
const ROWS = SLIPS_PER_PAGE / COLS;
const MARGIN = 24;
const PAD = 16;

const LABELS = {
  fr: {
    title: 'Korrigo — votre compte',
    class: 'Classe',
    login: 'Identifiant',
    password: 'Mot de passe à usage unique',
    url: 'Adresse',
    hint: 'À la première connexion, vous choisirez votre propre mot de passe.',
    doc: 'Comptes élèves',
  },
  en: {
    title: 'Korrigo — your account',
    class: 'Class',
    login: 'Login',
    password: 'One-time password',
    url: 'Address',
    hint: 'At your first login you will choose your own password.',
    doc: 'Student accounts',
  },
} as const;

/** Shrinks a line until it fits the slip: long names and addresses stay whole rather than overflow the cut. */
function fit(font: PDFFont, text: string, size: number, width: number): number {
  let s = size;
  while (s > 6 && font.widthOfTextAtSize(text, s) > width) s -= 0.5;
  return s;
}

function dashed(page: PDFPage, x1: number, y1: number, x2: number, y2: number) {
  page.drawLine({ start: { x: x1, y: y1 }, end: { x: x2, y: y2 }, thickness: 0.6, color: rgb(0.45, 0.45, 0.45), dashArray: [4, 3] });
}

export async function renderSlips(slips: Slip[], opts: { url: string; language: 'fr' | 'en' }): Promise<Uint8Array> {
  const L = LABELS[opts.language];
  const doc = await PDFDocument.create();
  setFixedMetadata(doc, L.doc);
  doc.registerFontkit(cachingFontkit);
  const { regular: regularBytes, bold: boldBytes } = fontBytes();
  const regular = await doc.embedFont(regularBytes, { subset: true, customName: 'KRGREG+DejaVuSans' });
  const bold = await doc.embedFont(boldBytes, { subset: true, customName: 'KRGBLD+DejaVuSans-Bold' });
  const cellW = (A4.w - 2 * MARGIN) / COLS;
  const cellH = (A4.h - 2 * MARGIN) / ROWS;
  const inner = cellW - 2 * PAD;
  const grey = rgb(0.35, 0.35, 0.35);

  for (let start = 0; start < Math.max(slips.length, 1); start += SLIPS_PER_PAGE) {
    const page = doc.addPage([A4.w, A4.h]);
    const onPage = slips.slice(start, start + SLIPS_PER_PAGE);
    // cut lines: the outline and the inner grid, dashed
    for (let c = 0; c <= COLS; c++) dashed(page, MARGIN + c * cellW, MARGIN, MARGIN + c * cellW, A4.h - MARGIN);
    for (let r = 0; r <= ROWS; r++) dashed(page, MARGIN, MARGIN + r * cellH, A4.w - MARGIN, MARGIN + r * cellH);
    onPage.forEach((s, i) => {
      const x = MARGIN + (i % COLS) * cellW + PAD;
      let y = A4.h - MARGIN - Math.floor(i / COLS) * cellH - PAD;
      const line = (text: string, font: PDFFont, size: number, gap: number, color = rgb(0, 0, 0)) => {
        const fitted = fit(font, text, size, inner);
        y -= fitted + gap;
        page.drawText(text, { x, y, size: fitted, font, color });
      };
      line(L.title, regular, 8, 0, grey);
      line(s.name, bold, 14, 8);
      if (s.className) line(`${L.class}${opts.language === 'fr' ? ' : ' : ': '}${s.className}`, regular, 10, 5);
      line(L.login, regular, 8, 10, grey);
      line(s.login, bold, 11, 3);
      line(L.password, regular, 8, 8, grey);
      line(s.password, bold, 15, 3);
      line(L.url, regular, 8, 8, grey);
      line(opts.url, regular, 10, 3);
      line(L.hint, regular, 7, 8, grey);
    });
  }
  return doc.save();
}
