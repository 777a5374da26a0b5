/** Row types of the tables (DESIGN.md §2). Times are ISO-8601 strings on both engines; JSON columns are text. */
import type { Generated, Selectable } from 'kysely';

export type CopyStatus =
  | 'STAGING'
  | 'READY'
  | 'LOCKED'
  | 'GRADING_IN_PROGRESS'
  | 'GRADED'
  | 'GRADING_FAILED'
  | 'MERGED';

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  role: 'ADMIN' | 'TEACHER' | 'STUDENT';
  password_hash: string;
  is_active: number;
  must_change_password: number;
  one_time_used_at: string | null;
  failed_logins: Generated<number>;
  locked_until: string | null;
  created_at: string;
}
export interface SessionsTable {
  id: string;
  user_id: string;
  expires_at: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
}
export interface StudentsTable {
  id: string;
  student_number: string;
  last_name: string;
  first_name: string;
  email: string | null;
  class_name: string | null;
  search_key: string;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}
export interface BlobsTable {
  id: string;
  sha256: string;
  size: number;
  content_type: string;
  storage_key: string;
  created_at: string;
}
export interface ExamsTable {
  id: string;
  title: string;
  exam_date: string | null;
  pages_per_copy: number;
  anonymous: number;
  results_released_at: string | null;
  /** after it, students can no longer ask for a regrade (migration 007) */
  regrade_deadline: string | null;
  archived_at: string | null;
  archived_by: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}
export interface QuestionsTable {
  id: string;
  exam_id: string;
  parent_id: string | null;
  label: string;
  max_points: number;
  position: number;
  removed_at: string | null;
  /** migration 010 */
  scoring_mode: Generated<'FREE' | 'ADDITIVE' | 'SUBTRACTIVE'>;
  /** JSON {pagePosition,x,y,w,h}: where the question is answered (null: the whole copy) */
  region: string | null;
}
export interface ExamCorrectorsTable {
  exam_id: string;
  user_id: string;
}
export interface UploadsTable {
  id: string;
  exam_id: string;
  source_blob_id: string;
  mode: 'BATCH' | 'SINGLE';
  status: 'PENDING' | 'PROCESSING' | 'DONE' | 'FAILED';
  page_count: number;
  pages_done: number;
  error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}
export interface BookletsTable {
  id: string;
  upload_id: string;
  exam_id: string;
  start_page: number;
  end_page: number;
}
export interface CopiesTable {
  id: string;
  exam_id: string;
  anonymous_code: string;
  student_id: string | null;
  status: CopyStatus;
  assigned_to: string | null;
  locked_by: string | null;
  locked_at: string | null;
  graded_at: string | null;
  final_blob_id: string | null;
  final_score: number | null;
  grading_error: string | null;
  finalize_attempts: Generated<number>;
  flagged: string | null;
  merged_into_id: string | null;
  row_version: Generated<number>;
  created_at: string;
  updated_at: string;
}
export interface PagesTable {
  id: string;
  /** Both null while the page is in its upload's removed-pages bin (migration 008). */
  copy_id: string | null;
  position: number | null;
  booklet_id: string | null;
  source_page: number;
  image_blob_id: string;
  /** A scanned page: its JPEG is this byte range of the scan blob `image_blob_id` (migration 003). */
  image_offset: number | null;
  image_length: number | null;
  width_px: number;
  height_px: number;
  /** The scan it comes from; with source_page, the page's identity for ever (migration 008). */
  upload_id: string | null;
  /** Clockwise degrees applied when serving and flattening; the image itself is never re-encoded. */
  rotation: Generated<number>;
  removed_at: string | null;
  removed_from_copy_id: string | null;
  /** Share of dark pixels of the image, measured once (null: not measured yet). */
  ink_coverage: number | null;
  /** What the page's printed code said (migration 010); null when no code was read. */
  paper_number: number | null;
  paper_page: number | null;
}
export interface CopyLocksTable {
  copy_id: string;
  owner_id: string;
  token: string;
  acquired_at: string;
  expires_at: string;
}
export interface DraftStatesTable {
  copy_id: string;
  owner_id: string;
  payload: string;
  version: number;
  client_id: string | null;
  updated_at: string;
}
export interface AnnotationsTable {
  id: string;
  copy_id: string;
  page_position: number;
  x: number;
  y: number;
  w: number;
  h: number;
  type: 'COMMENT' | 'HIGHLIGHT' | 'TICK' | 'CROSS' | 'SCORE' | 'FREEHAND';
  content: string | null;
  points: string | null;
  score_delta: number | null;
  question_id: string | null;
  /** a badge of an applied rubric item (migration 010) */
  rubric_item_id?: string | null;
  created_by: string;
  version: Generated<number>;
  created_at: string;
  updated_at: string;
}
export interface ScoresTable {
  copy_id: string;
  question_id: string;
  max_points: number;
  points: number;
  comment: string | null;
  updated_by: string;
  version: Generated<number>;
  updated_at: string;
  /** NOT NULL when the score is computed from rubric items: the manual adjustment added after them (migration 010) */
  rubric_adjustment?: number | null;
}
/** A question explicitly left unscored on a copy (migration 005); never together with a score row. */
export interface UnscoredQuestionsTable {
  copy_id: string;
  question_id: string;
  marked_by: string;
  marked_at: string;
}
export interface FinalPdfsTable {
  id: string;
  copy_id: string;
  blob_id: string;
  final_score: number;
  created_at: string;
}
/** A page's header-masked image, served to correctors of an anonymous exam (migration 009). */
export interface MaskedPagesTable {
  page_id: string;
  blob_id: string;
  created_at: string;
}
/** The corrector's variant of a final PDF of an anonymous exam: masked header, no name (migration 009). */
export interface MaskedFinalPdfsTable {
  final_blob_id: string;
  blob_id: string;
  created_at: string;
}
export interface GradingEventsTable {
  id: string;
  copy_id: string;
  action: string;
  actor_id: string | null;
  metadata: string;
  created_at: string;
}
export interface JobsTable {
  id: string;
  kind: string;
  ref_id: string | null;
  payload: string;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  run_after: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}
export interface RegradeRequestsTable {
  id: string;
  copy_id: string;
  question_id: string;
  requested_by: string;
  message: string;
  status: 'OPEN' | 'ANSWERED';
  /** how an ANSWERED request was settled (migration 007) */
  decision: 'ACCEPTED' | 'REJECTED' | null;
  answer: string | null;
  answered_by: string | null;
  answered_at: string | null;
  created_at: string;
}
/** A reopening of a GRADED copy and the result it had then (migration 007). */
export interface CopyReviewsTable {
  id: string;
  copy_id: string;
  reopened_by: string | null;
  reopened_at: string;
  /** 1: the exam's results were released, so the student had seen this result */
  released: number;
  previous_blob_id: string;
  previous_score: number;
  previous_graded_at: string;
  /** JSON: [{ questionId, points, comment }] — the score rows as they were */
  previous_scores: string;
}
export interface ExamOwnersTable {
  exam_id: string;
  user_id: string;
  created_at: string;
}
export type AttendanceStatus = 'ABSENT' | 'EXCUSED' | 'EXEMPT';
export interface ExamAttendanceTable {
  exam_id: string;
  student_id: string;
  status: AttendanceStatus;
  updated_by: string;
  updated_at: string;
}
export interface AuditLogTable {
  id: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  metadata: string;
  ip: string | null;
  created_at: string;
}

export interface RubricItemsTable {
  id: string;
  exam_id: string;
  question_id: string;
  label: string;
  comment: string;
  points: number;
  kind: 'DELTA' | 'ABSOLUTE';
  group_name: string | null;
  position: number;
  version: Generated<number>;
  retired_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}
export interface RubricApplicationsTable {
  copy_id: string;
  question_id: string;
  item_id: string;
  position: number;
  label: string;
  comment: string;
  points: number;
  kind: 'DELTA' | 'ABSOLUTE';
  created_by: string;
  created_at: string;
}
export interface QuestionLocksTable {
  copy_id: string;
  question_id: string;
  owner_id: string;
  token: string;
  acquired_at: string;
  expires_at: string;
}
export interface QuestionAssignmentsTable {
  exam_id: string;
  question_id: string;
  user_id: string;
  quota: number | null;
}
export interface PapersTable {
  id: string;
  exam_id: string;
  number: number;
  student_id: string | null;
  /** answer pages after the cover */
  pages: number;
  copy_id: string | null;
  created_at: string;
}
export interface ExamQuestionPapersTable {
  exam_id: string;
  blob_id: string;
  page_count: number;
  uploaded_by: string;
  created_at: string;
}
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  students: StudentsTable;
  blobs: BlobsTable;
  exams: ExamsTable;
  questions: QuestionsTable;
  exam_correctors: ExamCorrectorsTable;
  uploads: UploadsTable;
  booklets: BookletsTable;
  copies: CopiesTable;
  pages: PagesTable;
  copy_locks: CopyLocksTable;
  question_locks: QuestionLocksTable;
  rubric_items: RubricItemsTable;
  rubric_applications: RubricApplicationsTable;
  question_assignments: QuestionAssignmentsTable;
  draft_states: DraftStatesTable;
  annotations: AnnotationsTable;
  scores: ScoresTable;
  unscored_questions: UnscoredQuestionsTable;
  final_pdfs: FinalPdfsTable;
  masked_pages: MaskedPagesTable;
  masked_final_pdfs: MaskedFinalPdfsTable;
  grading_events: GradingEventsTable;
  jobs: JobsTable;
  regrade_requests: RegradeRequestsTable;
  copy_reviews: CopyReviewsTable;
  audit_log: AuditLogTable;
  exam_owners: ExamOwnersTable;
  exam_attendance: ExamAttendanceTable;
  papers: PapersTable;
  exam_question_papers: ExamQuestionPapersTable;
}

export type Copy = Selectable<CopiesTable>;
export type Exam = Selectable<ExamsTable>;
