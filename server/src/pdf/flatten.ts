import {
  LineCapStyle,
  LineJoinStyle,
  PDFDocument,
  degrees,
  lineTo,
  moveTo,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setLineCap,
  setLineJoin,
  setLineWidth,
  setStrokingColor,
  stroke,
  type Color,
  type PDFFont,
  type PDFImage,
  type PDFPage,
} from 'pdf-lib';
import { fontBytes } from './assets.ts';
import { cachingFontkit } from './pdf-lib-font-cache.ts';
import './pdf-lib-fast-copy.ts';
import './pdf-lib-fast-number.ts';
import './pdf-lib-native-deflate.ts';
import { pageSizeForImage, pointToPdf, rectToPdf, type PageSizePt, type PdfRect } from './geometry.ts';
import { setFixedMetadata } from './pdf-meta.ts';
import type { FlattenAnnotation, FlattenInput, FlattenQuestion, PageImage } from './types.ts';
import { questionResults, type QuestionResult } from '../services/total.ts';

function hex(colour: string): Color {
  const channel = (at: number) => parseInt(colour.slice(at, at + 2), 16) / 255;
  return rgb(channel(1), channel(3), channel(5));
}

/*
 * The grading desk's overlay (web/src/annotations/Overlay.tsx) draws the same normalized shapes with these colours,
 * proportions and line widths, so the final PDF shows the student what the teacher saw.
 */
const STYLE = {
  pen: 0.0025, // stroke width, fraction of the page width
  font: 0.017, // comment text size, fraction of the page width
  highlight: { color: hex('#ffe14d'), opacity: 0.4 },
  comment: { fill: hex('#fff7c2'), opacity: 0.9, border: hex('#b58900'), text: hex('#3b2f00') },
  tick: { color: hex('#0a8a3a'), path: [[0.1, 0.55], [0.4, 0.85], [0.9, 0.15]] as Array<[number, number]> },
  cross: { color: hex('#c62828'), inset: 0.15 },
  score: { fill: hex('#1565c0'), text: rgb(1, 1, 1) },
  freehand: { color: hex('#c62828') },
};
const INK = rgb(0.1, 0.1, 0.12);
const GREY = rgb(0.55, 0.55, 0.58);
const RULE = rgb(0.8, 0.8, 0.82);

/** The words of the summary page, and how a decimal is written, per document language. */
const LANGUAGES = {
  fr: {
    labels: { copy: 'Copie', student: 'Élève', question: 'Question', points: 'Points', comment: 'Commentaire', total: 'Total', notScored: 'non noté' },
    notScoredNote: (n: number, labels: string) => `${n} question${n > 1 ? 's non notées' : ' non notée'} : ${labels}`,
    decimal: ',',
  },
  en: {
    labels: { copy: 'Copy', student: 'Student', question: 'Question', points: 'Points', comment: 'Comment', total: 'Total', notScored: 'not scored' },
    notScoredNote: (n: number, labels: string) => `${n} question${n > 1 ? 's' : ''} not scored: ${labels}`,
    decimal: '.',
  },
} as const;
type Language = (typeof LANGUAGES)[keyof typeof LANGUAGES];

/** The final, annotated PDF of a copy: its pages with the annotations drawn as vectors, then the summary. */
export async function flattenCopy(input: FlattenInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  setFixedMetadata(doc, `${input.examTitle} — ${input.copyCode}`);
  const fonts = await embedFonts(doc);
  const lang = LANGUAGES[input.language ?? 'fr'];

  const byPage = new Map<number, FlattenAnnotation[]>();
  for (const a of input.annotations) {
    if (!Number.isInteger(a.pagePosition) || a.pagePosition < 0 || a.pagePosition >= input.pages.length) {
      // Dropping it would silently lose a teacher's work in the document the student receives.
      throw new RangeError(`An annotation is on page ${a.pagePosition + 1} but the copy has ${input.pages.length} pages`);
    }
    const list = byPage.get(a.pagePosition) ?? [];
    list.push(a);
    byPage.set(a.pagePosition, list);
  }

  for (const [position, image] of input.pages.entries()) {
    const turn = image.rotation ?? 0;
    const quarter = turn === 90 || turn === 270;
    const size = quarter ? pageSizeForImage(image.heightPx, image.widthPx) : pageSizeForImage(image.widthPx, image.heightPx);
    const page = doc.addPage([size.width, size.height]);
    page.drawImage(await embedImage(doc, image), turnedPlacement(size, turn));
    // Highlights go under everything else so they never veil a mark.
    const annotations = byPage.get(position) ?? [];
    for (const a of annotations) if (a.type === 'HIGHLIGHT') drawAnnotation(page, size, a, fonts, lang);
    for (const a of annotations) if (a.type !== 'HIGHLIGHT') drawAnnotation(page, size, a, fonts, lang);
  }

  drawSummary(doc, input, fonts, lang);
  // pdf-lib would otherwise pause on a timer (≥ 1 ms each) every 50 objects; a flatten runs off the main thread.
  return doc.save({ objectsPerTick: Infinity });
}

/**
 * Where the scan's image goes on a page turned `turn` degrees clockwise: the same embedded image, drawn rotated
 * about its lower-left corner (pdf-lib turns counterclockwise), so the scan is never re-encoded.
 */
function turnedPlacement(size: PageSizePt, turn: number) {
  const { width: W, height: H } = size;
  if (turn === 90) return { x: 0, y: H, width: H, height: W, rotate: degrees(-90) };
  if (turn === 180) return { x: W, y: H, width: W, height: H, rotate: degrees(180) };
  if (turn === 270) return { x: W, y: 0, width: H, height: W, rotate: degrees(90) };
  return { x: 0, y: 0, width: W, height: H };
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

async function embedFonts(doc: PDFDocument): Promise<Fonts> {
  doc.registerFontkit(cachingFontkit);
  const { regular, bold } = fontBytes();
  // Fixed subset names: pdf-lib would otherwise append a generated suffix.
  return {
    regular: await doc.embedFont(regular, { subset: true, customName: 'KRGREG+DejaVuSans' }),
    bold: await doc.embedFont(bold, { subset: true, customName: 'KRGBLD+DejaVuSans-Bold' }),
  };
}

function embedImage(doc: PDFDocument, image: PageImage): Promise<PDFImage> {
  // pdf-lib reads JPEG markers from the start of the underlying buffer, ignoring a view's offset: give it a copy
  // then (only then: copying megabytes on every flatten is measurable).
  const bytes = image.bytes.byteOffset === 0 ? image.bytes : new Uint8Array(image.bytes);
  switch (image.contentType) {
    case 'image/jpeg':
      return doc.embedJpg(bytes);
    case 'image/png':
      return doc.embedPng(bytes);
    default:
      throw new Error(`A ${image.contentType} page image cannot be embedded in a PDF; page images must be JPEG or PNG`);
  }
}

function drawAnnotation(page: PDFPage, size: PageSizePt, a: FlattenAnnotation, fonts: Fonts, lang: Language): void {
  const r = rectToPdf(a, size);
  const pen = size.width * STYLE.pen;
  const fontSize = size.width * STYLE.font;
  switch (a.type) {
    case 'HIGHLIGHT':
      page.drawRectangle({ ...r, color: STYLE.highlight.color, opacity: STYLE.highlight.opacity });
      return;
    case 'COMMENT':
      drawComment(page, r, a.content ?? '', fonts.regular, pen, fontSize);
      return;
    case 'TICK':
      strokePath(page, STYLE.tick.color, pen * 2, boxPath(r, STYLE.tick.path));
      return;
    case 'CROSS': {
      const [lo, hi] = [STYLE.cross.inset, 1 - STYLE.cross.inset];
      strokePath(page, STYLE.cross.color, pen * 2, boxPath(r, [[lo, lo], [hi, hi]]));
      strokePath(page, STYLE.cross.color, pen * 2, boxPath(r, [[hi, lo], [lo, hi]]));
      return;
    }
    case 'SCORE':
      drawBadge(page, r, a, fonts.bold, fontSize * 1.2, lang);
      return;
    case 'FREEHAND':
      if (a.points?.length) strokePath(page, STYLE.freehand.color, pen, a.points.map((p) => pointToPdf(p, size)));
      return;
  }
}

/** Points given as fractions of an annotation's box (top-left origin), in PDF points. */
function boxPath(r: PdfRect, points: Array<[number, number]>): Array<{ x: number; y: number }> {
  return points.map(([fx, fy]) => ({ x: r.x + fx * r.width, y: r.y + (1 - fy) * r.height }));
}

function strokePath(page: PDFPage, color: Color, width: number, points: Array<{ x: number; y: number }>): void {
  const [first, ...rest] = points;
  if (!first) return;
  page.pushOperators(
    pushGraphicsState(),
    setStrokingColor(color),
    setLineWidth(width),
    setLineCap(LineCapStyle.Round),
    setLineJoin(LineJoinStyle.Round),
    moveTo(first.x, first.y),
    // A single point still leaves a dot thanks to the round cap.
    ...(rest.length ? rest : [first]).map((p) => lineTo(p.x, p.y)),
    stroke(),
    popGraphicsState(),
  );
}

function drawComment(page: PDFPage, r: PdfRect, text: string, font: PDFFont, pen: number, fontSize: number): void {
  const { fill, opacity, border, text: ink } = STYLE.comment;
  page.drawRectangle({ ...r, color: fill, opacity, borderColor: border, borderWidth: pen });
  const pad = Math.min(fontSize * 0.3, r.width * 0.08, r.height * 0.08);
  const inner = { width: r.width - 2 * pad, height: r.height - 2 * pad };
  if (inner.width <= 0 || inner.height <= 0) return;
  /*
   * The desk's size if the text fits, else the largest size down to 6 pt that fits (the desk clips overflowing
   * text, but the student should get the whole comment); what still does not fit ends with an ellipsis.
   */
  let size = Math.max(6, Math.round(fontSize));
  let lines = wrapText(text, font, size, inner.width);
  while (size > 6 && lines.length * size * LINE_HEIGHT > inner.height) {
    size -= 1;
    lines = wrapText(text, font, size, inner.width);
  }
  const maxLines = Math.max(1, Math.floor(inner.height / (size * LINE_HEIGHT)));
  if (lines.length > maxLines) {
    lines = [...lines.slice(0, maxLines - 1), ellipsize(lines[maxLines - 1] ?? '', font, size, inner.width)];
  }
  drawLines(page, lines, { x: r.x + pad, top: r.y + r.height - pad, size, font, color: ink });
}

/** A pill with the score change (or, without one, the annotation's text) in white. */
function drawBadge(page: PDFPage, r: PdfRect, a: FlattenAnnotation, font: PDFFont, maxSize: number, lang: Language): void {
  const radius = Math.min(r.width, r.height) / 2;
  const { width: w, height: h } = r;
  // SVG path coordinates: origin at the box's top-left corner, y downwards (pdf-lib flips them).
  const arc = `A ${radius} ${radius} 0 0 1`;
  const pill = `M ${radius} 0 L ${w - radius} 0 ${arc} ${w - radius} ${h} L ${radius} ${h} ${arc} ${radius} 0 Z`;
  page.drawSvgPath(pill, { x: r.x, y: r.y + h, color: STYLE.score.fill });
  const text = a.scoreDelta !== null ? formatDelta(a.scoreDelta, lang.decimal) : cleanText(a.content ?? '');
  if (!text) return;
  const size = Math.min(h * 0.6, maxSize, (w * 0.9) / Math.max(1e-6, textWidth(font, text, 1)));
  const width = textWidth(font, text, size);
  const capHeight = font.heightAtSize(size, { descender: false }) * 0.75;
  page.drawText(text, { x: r.x + (w - width) / 2, y: r.y + (h - capHeight) / 2, size, font, color: STYLE.score.text });
}

/** Hundredths of a point → "7.5", "12", "0.25". */
export function formatPoints(hundredths: number, decimal = '.'): string {
  const abs = Math.abs(Math.round(hundredths));
  const units = Math.floor(abs / 100);
  const cents = abs % 100;
  const frac = cents === 0 ? '' : `${decimal}${String(cents).padStart(2, '0').replace(/0$/, '')}`;
  return `${hundredths < 0 && abs !== 0 ? '−' : ''}${units}${frac}`;
}

/** A score change with its sign: "+1.5", "−0.5", "0". */
export function formatDelta(hundredths: number, decimal = '.'): string {
  return hundredths > 0 ? `+${formatPoints(hundredths, decimal)}` : formatPoints(hundredths, decimal);
}

const LINE_HEIGHT = 1.2;

/** Control characters have no glyph and would show as boxes; tabs and line ends become spaces and newlines. */
function cleanText(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const code = ch.charCodeAt(0);
    out += (code < 0x20 && ch !== '\n') || code === 0x7f ? ' ' : ch;
  }
  return out;
}

/*
 * Measuring runs fontkit's full layout, the main cost of drawing. Widths scale linearly with the size, so each
 * (font, text) is measured once per thread at size 1; the cache is bounded by dropping it when it grows large.
 */
const widthCache = new Map<string, number>();
function textWidth(font: PDFFont, text: string, size: number): number {
  const key = `${font.name}\u0000${text}`;
  let unit = widthCache.get(key);
  if (unit === undefined) {
    if (widthCache.size > 20_000) widthCache.clear();
    unit = font.widthOfTextAtSize(text, 1);
    widthCache.set(key, unit);
  }
  return unit * size;
}

/** Greedy word wrap on measured widths; a word longer than the line is cut between characters. */
function wrapText(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const lines: string[] = [];
  const space = textWidth(font, ' ', size);
  for (const paragraph of cleanText(text).split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(/ +/).filter(Boolean)) {
      const w = textWidth(font, word, size);
      if (line && lineWidth + space + w <= maxWidth) {
        line += ` ${word}`;
        lineWidth += space + w;
        continue;
      }
      if (line) lines.push(line);
      if (w <= maxWidth) {
        line = word;
        lineWidth = w;
        continue;
      }
      let chunk = '';
      for (const ch of word) {
        if (chunk && textWidth(font, chunk + ch, size) > maxWidth) {
          lines.push(chunk);
          chunk = '';
        }
        chunk += ch;
      }
      line = chunk;
      lineWidth = textWidth(font, chunk, size);
    }
    lines.push(line);
  }
  return lines;
}

function ellipsize(line: string, font: PDFFont, size: number, maxWidth: number): string {
  let chars = Array.from(line);
  while (chars.length && textWidth(font, `${chars.join('')}…`, size) > maxWidth) chars = chars.slice(0, -1);
  return `${chars.join('')}…`;
}

interface TextStyle {
  x: number;
  top: number;
  size: number;
  font: PDFFont;
  color: Color;
}

function drawLines(page: PDFPage, lines: string[], s: TextStyle): void {
  lines.forEach((line, i) => {
    if (!line) return;
    const baseline = s.top - s.size * (0.95 + i * LINE_HEIGHT);
    page.drawText(line, { x: s.x, y: baseline, size: s.size, font: s.font, color: s.color });
  });
}

const SUMMARY = {
  width: 595.28,
  height: 841.89,
  margin: 50,
  text: 10,
  indent: 12,
  cellPad: 5,
};
const COLUMNS = { label: 150, points: 95 };

/** A row's points: a leaf's score or an exercise's subtotal; "not scored" when every leaf under it is; else "—". */
function pointsText(r: QuestionResult | undefined, maxPoints: number, notScored: string, decimal: ',' | '.'): string {
  const got = r?.points != null ? formatPoints(r.points, decimal) : r && r.leaves > 0 && r.notScored === r.leaves ? notScored : '—';
  return `${got} / ${formatPoints(maxPoints, decimal)}`;
}

/**
 * Summary page(s): identity, one row per question (points over max, comment; exercises with their subtotal),
 * then the total over the maximum and, when some questions were left "not scored", which ones.
 */
function drawSummary(doc: PDFDocument, input: FlattenInput, fonts: Fonts, { labels: LABELS, decimal, notScoredNote }: Language): void {
  const { width, height, margin, text } = SUMMARY;
  const contentWidth = width - 2 * margin;
  const commentWidth = contentWidth - COLUMNS.label - COLUMNS.points;
  const colX = { label: margin, points: margin + COLUMNS.label, comment: margin + COLUMNS.label + COLUMNS.points };
  let page = doc.addPage([width, height]);
  let y = height - margin;

  const titleLines = wrapText(input.examTitle, fonts.bold, 16, contentWidth);
  drawLines(page, titleLines, { x: margin, top: y, size: 16, font: fonts.bold, color: INK });
  y -= titleLines.length * 16 * LINE_HEIGHT + 8;
  const identity = [`${LABELS.copy}: ${input.copyCode}`];
  if (input.studentName) identity.push(`${LABELS.student}: ${input.studentName}`);
  for (const line of identity) {
    const lines = wrapText(line, fonts.regular, 11, contentWidth);
    drawLines(page, lines, { x: margin, top: y, size: 11, font: fonts.regular, color: INK });
    y -= lines.length * 11 * LINE_HEIGHT + 2;
  }
  y -= 14;

  const headerHeight = text * LINE_HEIGHT + 2 * SUMMARY.cellPad;
  const drawHeader = (): void => {
    const cells: Array<[string, number]> = [
      [LABELS.question, colX.label],
      [LABELS.points, colX.points],
      [LABELS.comment, colX.comment],
    ];
    for (const [label, x] of cells) {
      drawLines(page, [label], { x, top: y - SUMMARY.cellPad, size: text, font: fonts.bold, color: GREY });
    }
    y -= headerHeight;
    page.drawLine({ start: { x: margin, y }, end: { x: width - margin, y }, thickness: 1, color: INK });
  };
  drawHeader();

  const scores = new Map(input.scores.map((s) => [s.questionId, s]));
  const notScored = new Set(input.notScored ?? []);
  const results = questionResults(
    input.questions.map((q) => ({ id: q.id, parent_id: q.parentId })),
    input.scores.map((s) => ({ question_id: s.questionId, points: s.points })),
    notScored,
  );
  const ordered = orderQuestions(input.questions);
  for (const { question, depth } of ordered) {
    const score = scores.get(question.id);
    const indent = depth * SUMMARY.indent;
    const labelFont = depth ? fonts.regular : fonts.bold;
    const labelLines = wrapText(question.label, labelFont, text, COLUMNS.label - indent - 6);
    const commentLines = score?.comment ? wrapText(score.comment, fonts.regular, text, commentWidth) : [];
    const rowHeight = Math.max(labelLines.length, commentLines.length, 1) * text * LINE_HEIGHT + 2 * SUMMARY.cellPad;
    if (y - rowHeight < margin) {
      page = doc.addPage([width, height]);
      y = height - margin;
      drawHeader();
    }
    const top = y - SUMMARY.cellPad;
    drawLines(page, labelLines, { x: colX.label + indent, top, size: text, font: labelFont, color: INK });
    const points = pointsText(results.get(question.id), question.maxPoints, LABELS.notScored, decimal);
    drawLines(page, [points], { x: colX.points, top, size: text, font: fonts.regular, color: INK });
    drawLines(page, commentLines, { x: colX.comment, top, size: text, font: fonts.regular, color: INK });
    y -= rowHeight;
    page.drawLine({ start: { x: margin, y }, end: { x: width - margin, y }, thickness: 0.5, color: RULE });
  }

  const totalHeight = 14 * LINE_HEIGHT + 2 * SUMMARY.cellPad;
  if (y - totalHeight < margin) {
    page = doc.addPage([width, height]);
    y = height - margin;
  }
  const top = y - SUMMARY.cellPad - 2;
  drawLines(page, [LABELS.total], { x: colX.label, top, size: 14, font: fonts.bold, color: INK });
  const total = `${formatPoints(input.total, decimal)} / ${formatPoints(input.maxTotal, decimal)}`;
  drawLines(page, [total], { x: colX.points, top, size: 14, font: fonts.bold, color: INK });
  y -= totalHeight;

  const unscored = ordered.filter(({ question }) => notScored.has(question.id) && results.get(question.id)?.notScored === 1);
  if (!unscored.length) return;
  const noteLines = wrapText(notScoredNote(unscored.length, unscored.map(({ question }) => question.label).join(', ')), fonts.regular, text, contentWidth);
  if (y - noteLines.length * text * LINE_HEIGHT < margin) {
    page = doc.addPage([width, height]);
    y = height - margin;
  }
  drawLines(page, noteLines, { x: margin, top: y - SUMMARY.cellPad, size: text, font: fonts.regular, color: INK });
}

/** Questions as a tree in their given order, children right after their parent; orphans go to the top level. */
function orderQuestions(questions: FlattenQuestion[]): Array<{ question: FlattenQuestion; depth: number }> {
  const ids = new Set(questions.map((q) => q.id));
  const children = new Map<string | null, FlattenQuestion[]>();
  for (const q of questions) {
    const parent = q.parentId !== null && ids.has(q.parentId) && q.parentId !== q.id ? q.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), q]);
  }
  const out: Array<{ question: FlattenQuestion; depth: number }> = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number): void => {
    for (const q of children.get(parent) ?? []) {
      if (seen.has(q.id)) continue;
      seen.add(q.id);
      out.push({ question: q, depth });
      visit(q.id, depth + 1);
    }
  };
  visit(null, 0);
  // Questions caught in a parent cycle are unreachable from the top; they are still listed, never dropped.
  for (const q of questions) {
    if (!seen.has(q.id)) {
      seen.add(q.id);
      out.push({ question: q, depth: 0 });
      visit(q.id, 1);
    }
  }
  return out;
}
