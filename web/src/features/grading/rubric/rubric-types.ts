/**
 * Rubric shapes as the desk uses them (API.md "Rubrics and question leases"). The server's answers are read
 * through rubric-api.ts, which turns whatever close shape it sends into these.
 */
export type ScoringMode = 'FREE' | 'ADDITIVE' | 'SUBTRACTIVE';
export const SCORING_MODES: ScoringMode[] = ['FREE', 'ADDITIVE', 'SUBTRACTIVE'];

export interface RubricItem {
  id: string;
  questionId: string;
  label: string;
  comment: string | null;
  /** hundredths, signed: a delta, or (ABSOLUTE) the question's score before the deltas */
  points: number;
  kind: 'DELTA' | 'ABSOLUTE';
  /** items of one group are "pick one": applying one takes the others off */
  group: string | null;
  order: number;
  version: number;
  /** how many copies use it */
  usage: number;
  retired: boolean;
}

/** One item applied on a copy, with where its badge stands (none: listed only). */
export interface Applied {
  itemId: string;
  pagePosition?: number | null;
  x?: number | null;
  y?: number | null;
}

/** What the teacher wants for one question of one copy: the items applied and the manual adjustment. */
export interface RubricWant {
  applied: Applied[];
  /** hundredths, signed; null: none */
  adjustment: number | null;
}

/** The server's state of one question of one copy. `version`: the question's score version (0: no score yet). */
export interface RubricState extends RubricWant {
  questionId: string;
  version: number;
  /** the question's score as the server computed it; null when none */
  points: number | null;
  /** ids of the badge annotations of the question (drawn by the rubric layer, not the annotation tools) */
  badgeIds?: string[];
}

export interface QuestionRegion {
  pagePosition: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A question's settings beyond the scale: scoring mode and where it is answered. */
export interface QuestionSettings {
  questionId: string;
  scoringMode: ScoringMode;
  region: QuestionRegion | null;
}

export interface PreviewCopy {
  copyId: string;
  label: string;
  status: string | null;
  before: { question: number | null; total: number | null };
  after: { question: number | null; total: number | null };
}

export interface ItemPreview {
  copies: PreviewCopy[];
  /** GRADED copies that change: an admin must reopen them; they are not changed silently */
  toReopen: PreviewCopy[];
  histogram: { before: number[]; after: number[]; bucketLabels: string[] } | null;
}

export interface CorrectorProgress {
  user: { id: string; displayName: string };
  scored: number;
  quota: number | null;
  assigned: boolean;
}
export interface QuestionProgress {
  questionId: string;
  label: string;
  scored: number;
  /** copies that count (not STAGING, not MERGED) */
  total: number;
  byCorrector: CorrectorProgress[];
}
export interface ExamProgress {
  questions: QuestionProgress[];
  correctors: { user: { id: string; displayName: string }; scored: number }[];
  /** READY copies whose every question is scored */
  complete: number;
}
export interface QuestionAssignments {
  questionId: string;
  assignments: { user: { id: string; displayName: string }; quota: number | null }[];
}
