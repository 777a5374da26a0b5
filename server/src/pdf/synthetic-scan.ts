/**
 * Synthetic scans: PDFs shaped like a school scanner's output (one full-page JPEG per A4 page) that look like
 * handwritten copies. Used by `korrigo demo`, the benchmarks and the tests; nothing here is downloaded.
 */
import { GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { PDFDocument } from 'pdf-lib';
import { FONT_BOLD_PATH, FONT_REGULAR_PATH } from './assets.ts';
import { withCanvas } from './canvas.ts';
import './pdf-lib-fast-copy.ts';
import { setFixedMetadata } from './pdf-meta.ts';

export const A4_WIDTH_PT = 595.28;
export const A4_HEIGHT_PT = 841.89;

export interface SyntheticScanOptions {
  pages: number;
  /** Resolution of the page images; A4 at 150 dpi is 1240 × 1754 px. */
  dpi?: number;
  /** One name per copy, written in the header box of the copy's first page. Defaults to a built-in list. */
  names?: string[];
  /** Defaults to 4 pages per copy. */
  pagesPerCopy?: number;
  jpegQuality?: number;
  /** Changes the handwriting; the same options always give the same bytes. */
  seed?: number;
}

export interface SyntheticPageOptions {
  dpi?: number;
  /** Written in the header box; null leaves the box empty (not a first page). */
  name: string | null;
  pageInCopy: number;
  pagesPerCopy: number;
  jpegQuality?: number;
  seed?: number;
}

const DEFAULT_NAMES = [
  'Camille Martin', 'Lucas Bernard', 'Léa Dubois', 'Hugo Thomas', 'Chloé Robert', 'Louis Richard',
  'Manon Petit', 'Nathan Durand', 'Inès Leroy', 'Jules Moreau', 'Zoé Simon', 'Gabriel Laurent',
  'Emma Lefèvre', 'Raphaël Michel', 'Jade Garcia', 'Arthur David', 'Lina Bertrand', 'Adam Roux',
  'Louise Vincent', 'Noé Fournier', 'Alice Morel', 'Ethan Girard', 'Rose André', 'Tom Mercier',
];

/*
 * Distinct images per call are bounded (one per name plus a few handwriting variants per page position) so a
 * 300-page batch costs a few dozen encodes, while every page still gets its own image object like a real scan.
 */
const HANDWRITING_VARIANTS = 3;

export async function makeScanPdf(options: SyntheticScanOptions): Promise<Uint8Array> {
  const { pages, dpi = 150, jpegQuality = 80, seed = 1 } = options;
  const pagesPerCopy = options.pagesPerCopy ?? 4;
  const names = options.names?.length ? options.names : DEFAULT_NAMES;
  if (!Number.isInteger(pages) || pages < 1) throw new RangeError('pages must be a positive integer');
  if (!Number.isInteger(pagesPerCopy) || pagesPerCopy < 1) throw new RangeError('pagesPerCopy must be positive');

  const doc = await PDFDocument.create({ updateMetadata: false });
  setFixedMetadata(doc, 'Synthetic scan');
  const images = new Map<string, Uint8Array>();
  for (let i = 0; i < pages; i++) {
    const copyIndex = Math.floor(i / pagesPerCopy);
    const pageInCopy = i % pagesPerCopy;
    const name = pageInCopy === 0 ? (names[copyIndex % names.length] ?? null) : null;
    const variant = copyIndex % HANDWRITING_VARIANTS;
    const key = `${name ?? ''}\u0000${pageInCopy}\u0000${variant}`;
    let jpeg = images.get(key);
    if (!jpeg) {
      jpeg = await makeScanPageJpeg({
        dpi, name, pageInCopy, pagesPerCopy, jpegQuality, seed: seed * 7919 + variant * 131 + pageInCopy,
      });
      images.set(key, jpeg);
    }
    const image = await doc.embedJpg(jpeg);
    const page = doc.addPage([A4_WIDTH_PT, A4_HEIGHT_PT]);
    page.drawImage(image, { x: 0, y: 0, width: A4_WIDTH_PT, height: A4_HEIGHT_PT });
  }
  return doc.save();
}

/** One A4 page of a handwritten copy as JPEG bytes. */
export function makeScanPageJpeg(options: SyntheticPageOptions): Promise<Uint8Array> {
  const dpi = options.dpi ?? 150;
  const width = Math.round((A4_WIDTH_PT / 72) * dpi);
  const height = Math.round((A4_HEIGHT_PT / 72) * dpi);
  registerFonts();
  return withCanvas(width, height, async (canvas) => {
    const ctx = canvas.getContext('2d');
    drawCopyPage(ctx, width, height, options, mulberry32(options.seed ?? 1));
    return new Uint8Array(await canvas.encode('jpeg', options.jpegQuality ?? 80));
  });
}

let fontsRegistered = false;
function registerFonts(): void {
  if (fontsRegistered) return;
  GlobalFonts.registerFromPath(FONT_REGULAR_PATH, 'Korrigo Sans');
  GlobalFonts.registerFromPath(FONT_BOLD_PATH, 'Korrigo Sans Bold');
  fontsRegistered = true;
}

function drawCopyPage(ctx: SKRSContext2D, w: number, h: number, o: SyntheticPageOptions, rand: () => number): void {
  const u = w / 1240; // drawing unit: one pixel at 150 dpi
  const paper = ctx.createLinearGradient(0, 0, w, 0);
  paper.addColorStop(0, '#efeadd');
  paper.addColorStop(0.5, '#f8f5ec');
  paper.addColorStop(1, '#ece6d8');
  ctx.fillStyle = paper;
  ctx.fillRect(0, 0, w, h);

  // A scanned sheet is never perfectly square to the glass.
  ctx.translate(w / 2, h / 2);
  ctx.rotate((rand() - 0.5) * 0.008);
  ctx.translate(-w / 2, -h / 2);

  const lineGap = 47 * u; // 8 mm ruling
  const top = 300 * u;
  ctx.strokeStyle = 'rgba(120, 150, 200, 0.45)';
  ctx.lineWidth = 1.5 * u;
  for (let y = top; y < h - 120 * u; y += lineGap) line(ctx, 60 * u, y, w - 60 * u, y);
  ctx.strokeStyle = 'rgba(210, 70, 70, 0.6)';
  ctx.lineWidth = 2 * u;
  const margin = 170 * u;
  line(ctx, margin, 0, margin, h);

  ctx.fillStyle = '#333';
  ctx.font = `${22 * u}px "Korrigo Sans"`;
  ctx.fillText(`Page ${o.pageInCopy + 1} / ${o.pagesPerCopy}`, w / 2 - 55 * u, h - 60 * u);

  let firstLine = top;
  if (o.pageInCopy === 0) {
    const box = { x: 80 * u, y: 70 * u, w: 620 * u, h: 150 * u };
    ctx.strokeStyle = '#222';
    ctx.lineWidth = 3 * u;
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = '#222';
    ctx.font = `${24 * u}px "Korrigo Sans Bold"`;
    ctx.fillText('Nom / Prénom :', box.x + 16 * u, box.y + 36 * u);
    ctx.font = `${22 * u}px "Korrigo Sans"`;
    ctx.fillText('Classe :', box.x + 16 * u, box.y + 130 * u);
    if (o.name) writeName(ctx, o.name, box.x + 40 * u, box.y + 92 * u, u, rand);
    ctx.strokeStyle = '#222';
    ctx.strokeRect(w - 330 * u, 70 * u, 250 * u, 150 * u);
    ctx.fillText('Note :', w - 314 * u, 106 * u);
    firstLine = top + lineGap;
  }

  ctx.strokeStyle = '#1b2a6b';
  ctx.lineWidth = 2.4 * u;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const lastLine = h - 160 * u;
  for (let y = firstLine; y < lastLine; y += lineGap) {
    if (rand() < 0.12) continue; // a skipped line between answers
    const end = w - (80 + rand() * (rand() < 0.2 ? 600 : 120)) * u;
    writeLine(ctx, margin + (rand() < 0.15 ? 10 : 30) * u, end, y - 6 * u, u, rand);
  }
}

function writeName(ctx: SKRSContext2D, name: string, x: number, y: number, u: number, rand: () => number): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-0.02 - rand() * 0.03);
  ctx.transform(1, 0, -0.28, 1, 0, 0); // slant like cursive
  ctx.fillStyle = '#17235c';
  ctx.font = `${44 * u}px "Korrigo Sans"`;
  let cx = 0;
  for (const ch of name) {
    ctx.fillText(ch, cx, (rand() - 0.5) * 4 * u);
    cx += ctx.measureText(ch).width * (0.95 + rand() * 0.1);
  }
  ctx.restore();
}

/** A line of fake cursive: words made of loops, with ascenders, descenders and a baseline that wanders. */
function writeLine(ctx: SKRSContext2D, x0: number, x1: number, base: number, u: number, rand: () => number): void {
  let x = x0;
  let drift = 0;
  while (x < x1 - 40 * u) {
    const letters = 2 + Math.floor(rand() * 7);
    ctx.beginPath();
    ctx.moveTo(x, base);
    for (let i = 0; i < letters && x < x1; i++) {
      const lw = (11 + rand() * 9) * u;
      const tall = rand() < 0.18 ? 30 * u : 0;
      const deep = !tall && rand() < 0.1 ? 22 * u : 0;
      const xh = (15 + rand() * 5) * u + tall;
      drift += (rand() - 0.5) * 0.8 * u;
      const y = base + drift;
      ctx.bezierCurveTo(x + lw * 0.2, y - xh * 1.1, x + lw * 0.9, y - xh, x + lw * 0.5, y - xh * 0.4);
      ctx.bezierCurveTo(x + lw * 0.3, y + deep, x + lw * 0.8, y + deep * 1.3, x + lw, y);
      x += lw;
    }
    ctx.stroke();
    x += (14 + rand() * 16) * u;
  }
}

function line(ctx: SKRSContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

/** Small seeded PRNG (mulberry32): synthetic scans, and anything else that must replay from a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
