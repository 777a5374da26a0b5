/** What the model-based test records: every request an actor sent and what came back, with server-clock bounds. */

export type OpKind = 'lock' | 'heartbeat' | 'release' | 'draft' | 'annotate' | 'edit' | 'delete' | 'score' | 'submit' | 'unlock' | 'finalize' | 'reopen' | 'view';

export interface Rec {
  actor: string;
  kind: OpKind;
  copyId: string;
  status: number;
  /** problem+json code of a 4xx */
  code?: string;
  /** INCOMPLETE_SCORES: the questions named as unscored */
  unscored?: string[];
  /** the server clock (a TestClock shared with the app) just before sending and just after the response */
  s0: number;
  s1: number;
  /** what was sent */
  sentToken?: string;
  baseVersion?: number;
  annotationId?: string;
  version?: number;
  questionId?: string;
  points?: number;
  payload?: unknown;
  content?: string;
  allowUnscored?: boolean;
  /** what came back */
  token?: string;
  owner?: string;
  expiresAt?: string;
  newVersion?: number;
  currentVersion?: number | null;
  jobId?: string;
  currentStatus?: string;
  /** reopens sent together from several tabs share a race number */
  race?: number;
}

export interface EventRow {
  id: string;
  copy_id: string;
  action: string;
  actor_id: string | null;
  metadata: Record<string, any>;
  created_at: string;
}

/** The database after the run, read once all actors and the job runner have stopped. */
export interface Snapshot {
  copies: { id: string; status: string; locked_by: string | null; final_blob_id: string | null; final_score: number | null }[];
  locks: { copy_id: string; owner_id: string; token: string; expires_at: string }[];
  drafts: { copy_id: string; owner_id: string; version: number; payload: string }[];
  annotations: { id: string; copy_id: string; version: number; content: string | null; x: number }[];
  scores: { copy_id: string; question_id: string; points: number; version: number; max_points: number }[];
  /** questions marked "not scored" (submit/finalize with allowUnscored) */
  unscored: { copy_id: string; question_id: string }[];
  events: EventRow[];
  jobs: { id: string; kind: string; ref_id: string | null; status: string; attempts: number }[];
  finalPdfs: { id: string; copy_id: string; blob_id: string; final_score: number }[];
  /** ids of the blobs rows holding a PDF */
  pdfBlobs?: string[];
}

/** One run of the FLATTEN_COPY handler by a job runner: `attempt` is the job's attempt count at its claim. */
export interface JobRun {
  jobId: string;
  copyId: string;
  worker: 'main' | 'stalled';
  attempt: number;
  /** the stalled worker's run resumed only after its job had been re-claimed (and, if `afterDone`, finished) */
  reclaimed?: boolean;
  afterDone?: boolean;
  /** how the handler ended: returned (committed, or found the job or the copy no longer its), or threw */
  outcome?: 'ok' | string;
}

export interface ModelParams {
  adminId: string;
  leaseTtlMs: number;
  /** how far apart two events' timestamps may be and still have committed in the other order */
  slackMs: number;
  questions: { id: string; maxPoints: number }[];
  /** the admin's clock jumps, in server time: before and after */
  ticks: { from: number; to: number }[];
  /** every run of the finalize handler, by either job runner */
  jobRuns?: JobRun[];
}
