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
import { ANNOTATION_STYLE, rgbOf, type BoxPoint } from '@korrigo/contracts/drawing-style';
import { formatDelta, formatPoints, type PointsFormat } from '@korrigo/contracts/points';
import type { FlattenAnnotation, FlattenInput, FlattenQuestion, PageImage } from './types.ts';
import { questionResults, type QuestionResult } from '../services/total.ts';

function hex(colour: string): Color {
  return rgb(...rgbOf(colour));
}

/*
 * The grading desk's overlay (web/src/annotations/Overlay.tsx) draws the same normalized shapes from the same
 * table (contracts/src/drawing-style.ts), so the final PDF shows the student what the teacher saw.
 */
const STYLE = {
  ...ANNOTATION_STYLE,
  highlight: { ...ANNOTATION_STYLE.highlight, color: hex(ANNOTATION_STYLE.highlight.color) },
  comment: {
    ...ANNOTATION_STYLE.comment,
    fill: hex(ANNOTATION_STYLE.comment.fill),
    border: hex(ANNOTATION_STYLE.comment.border),
    text: hex(ANNOTATION_STYLE.comment.text),
  },
  tick: { ...ANNOTATION_STYLE.tick, color: hex(ANNOTATION_STYLE.tick.color) },
  cross: { ...ANNOTATION_STYLE.cross, color: hex(ANNOTATION_STYLE.cross.color) },
  score: { ...ANNOTATION_STYLE.score, fill: hex(ANNOTATION_STYLE.score.fill), text: hex(ANNOTATION_STYLE.score.text) },
  freehand: { ...ANNOTATION_STYLE.freehand, color: hex(ANNOTATION_STYLE.freehand.color) },
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
      strokePath(page, STYLE.tick.color, pen * STYLE.tick.pens, boxPath(r, STYLE.tick.path));
      return;
    case 'CROSS':
      for (const path of STYLE.cross.strokes) strokePath(page, STYLE.cross.color, pen * STYLE.cross.pens, boxPath(r, path));
      return;
    case 'SCORE':
      drawBadge(page, r, a, fonts.bold, fontSize * STYLE.score.fontScale, lang);
      return;
    case 'FREEHAND':
      if (a.points?.length) strokePath(page, STYLE.freehand.color, pen * STYLE.freehand.pens, a.points.map((p) => pointToPdf(p, size)));
      return;
  }
}

/** Points given as fractions of an annotation's box (top-left origin), in PDF points. */
function boxPath(r: PdfRect, points: readonly BoxPoint[]): Array<{ x: number; y: number }> {
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
  const text = a.scoreDelta !== null ? formatDelta(a.scoreDelta, pdfPoints(lang.decimal)) : cleanText(a.content ?? '');
  if (!text) return;
  const size = Math.min(h * STYLE.score.textHeight, maxSize, (w * 0.9) / Math.max(1e-6, textWidth(font, text, 1)));
  const width = textWidth(font, text, size);
  const capHeight = font.heightAtSize(size, { descender: false }) * 0.75;
  page.drawText(text, { x: r.x + (w - width) / 2, y: r.y + (h - capHeight) / 2, size, font, color: STYLE.score.text });
}

/** How the PDF writes points: the document language's decimal separator and the typographic minus sign. */
export const pdfPoints = (decimal: '.' | ','): PointsFormat => ({ decimal, minus: '−' });

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
  const got = r?.points != null ? formatPoints(r.points, pdfPoints(decimal)) : r && r.leaves > 0 && r.notScored === r.leaves ? notScored : '—';
  return `${got} / ${formatPoints(maxPoints, pdfPoints(decimal))}`;
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
  const total = `${formatPoints(input.total, pdfPoints(decimal))} / ${formatPoints(input.maxTotal, pdfPoints(decimal))}`;
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
