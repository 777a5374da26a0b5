/** Shapes exchanged with the PDF engine. Bytes in, bytes out: the engine never touches the database. */

export type AnnotationType = 'COMMENT' | 'HIGHLIGHT' | 'TICK' | 'CROSS' | 'SCORE' | 'FREEHAND';

export interface PageImage {
  bytes: Uint8Array;
  contentType: 'image/jpeg' | 'image/webp' | 'image/png';
  widthPx: number;
  heightPx: number;
  /** clockwise degrees the page is shown turned by (the image itself stays as scanned) */
  rotation?: 0 | 90 | 180 | 270;
}

/** Geometry is normalized: fractions 0..1 of the page, top-left origin (DESIGN.md §2). */
export interface FlattenAnnotation {
  pagePosition: number;
  x: number;
  y: number;
  w: number;
  h: number;
  type: AnnotationType;
  content: string | null;
  scoreDelta: number | null; // hundredths
  points?: [number, number][] | null; // FREEHAND stroke, normalized
}

export interface FlattenQuestion {
  id: string;
  parentId: string | null;
  label: string;
  maxPoints: number; // hundredths
}

export interface FlattenScore {
  questionId: string;
  points: number; // hundredths
  comment: string | null;
}

export interface FlattenInput {
  examTitle: string;
  copyCode: string;
  studentName: string | null;
  pages: PageImage[];
  annotations: FlattenAnnotation[];
  questions: FlattenQuestion[];
  scores: FlattenScore[];
  /** leaf questions the teacher explicitly left "not scored" (shown so, never as 0) */
  notScored?: string[];
  total: number; // hundredths, computed by the one total function
  maxTotal: number; // hundredths
  /** labels and decimal separator of the summary and the score badges; French unless said otherwise */
  language?: 'fr' | 'en';
}

/** The FLATTEN_COPY job renders through this interface so tests can inject a failing renderer. */
export interface CopyRenderer {
  render(input: FlattenInput): Promise<Uint8Array>;
}

/** `quick`: upload checks and small scans, one thread; `bulk`: big renders and final PDFs, min(2, cores) threads. */
export type PdfLane = 'quick' | 'bulk';
