/**
 * Typed fetch client of the Korrigo API (API.md). Types come from @korrigo/contracts; problem+json errors become
 * ApiError with the stable `code`. Cookies are same-origin; edit writes carry X-Lock-Token.
 */
import type {
  AnswerRegradeResponse,
  AssigneeResponse,
  AttendanceList,
  CopyDetail,
  CopyPage,
  CopyRegradeList,
  CopyStatus,
  CopyStatusResponse,
  CreateRegradeResponse,
  DispatchResponse,
  Draft,
  DraftSaved,
  ErrorCode,
  ExamPage,
  ExamRegradeList,
  ExamResponse,
  ExamStats,
  FinalizeResponse,
  GradingEvent,
  GradingEventList,
  HeartbeatResponse,
  IdentificationList,
  IdentifyResponse,
  ImportResult,
  LockResponse,
  MergeCopiesResponse,
  MyCopiesResponse,
  MyCopy,
  PageRepairResponse,
  QuestionInput,
  ReassignRegradeResponse,
  RegradeDeadlineResponse,
  RegradeDecision,
  RegradeRequest,
  Role,
  ScoreResponse,
  SetAttendanceResponse,
  Student,
  StudentPage,
  UploadCreated,
  UploadInfo,
  UploadList,
  UploadReview,
  UserPage,
  UserResponse,
  AnnotationResponse,
} from '@korrigo/contracts';
import { ApiError, type ApiErrorCode } from './errors';

export { ApiError } from './errors';

const BASE = '/api/v1';

export interface RequestOptions {
  body?: unknown;
  /** a raw body (PDF, CSV…) sent as is with this content type */
  raw?: { data: BodyInit; contentType: string };
  token?: string | null;
  keepalive?: boolean;
  signal?: AbortSignal;
  query?: Record<string, string | number | boolean | null | undefined>;
}

type Listener = (err: ApiError) => void;
const authListeners = new Set<Listener>();
/** Called when the session is gone (401) or a password change is required, so the app can route to login. */
export function onAuthError(fn: Listener): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export function url(path: string, query?: RequestOptions['query']): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `${BASE}${path}${s ? `?${s}` : ''}`;
}

export async function toApiError(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  let body: Record<string, unknown> = {};
  if (type.includes('json')) body = ((await res.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
  else await res.text().catch(() => '');
  const { type: _t, title, status: _s, code, detail, ...extra } = body;
  const fallback: ApiErrorCode = res.status === 501 ? 'NOT_IMPLEMENTED' : res.status === 404 ? 'NOT_FOUND' : res.status >= 500 ? 'INTERNAL' : `HTTP_${res.status}`;
  // a route this server does not have (yet): "not available" rather than "not found"
  if (res.status === 404 && (typeof code !== 'string' || (typeof detail === 'string' && detail.startsWith('No route ')))) extra.routeMissing = true;
  return new ApiError(
    res.status,
    // the server's problem bodies carry an ErrorCode (its response schemas enforce it)
    typeof code === 'string' && code ? (code as ErrorCode) : fallback,
    typeof detail === 'string' ? detail : typeof title === 'string' ? title : res.statusText,
    extra,
  );
}

/** Sends a request; a non-2xx answer becomes an ApiError (and tells the auth listeners about a lost session). */
async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['Content-Type'] = opts.raw.contentType;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.token) headers['X-Lock-Token'] = opts.token;
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      keepalive: opts.keepalive,
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', (e as Error).message);
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if ((err.status === 401 && !path.startsWith('/auth/login')) || err.code === 'PASSWORD_CHANGE_REQUIRED')
      for (const fn of authListeners) fn(err);
    throw err;
  }
  return res;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as T;
}

/** A cursor page of the API (`{items, nextCursor}`, the contracts' `page()`); the events list has no cursor. */
type Paged<T> = { items: T[]; nextCursor?: string | null };

/** Fetches every page of a cursor list. */
async function all<T>(path: string, query: RequestOptions['query'] = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await request<Paged<T>>('GET', path, { query: { ...query, limit: 500, cursor: cursor ?? undefined } });
    out.push(...res.items);
    cursor = res.nextCursor ?? null;
    if (!cursor) break;
  }
  return out;
}

// ---------- types of the contracts, re-exported under the names the screens use
export type { Student, ImportResult, UploadInfo, RegradeRequest, AttendanceList, MyCopy, ExamRegradeList, CopyRegradeList, IdentificationList };
export type Stats = ExamStats;
export type DispatchResult = DispatchResponse;
export type AssigneeResult = AssigneeResponse;
export type LockInfo = LockResponse;
export type DraftInfo = Draft;
export type GradingEventInfo = GradingEvent;

export const api = {
  // auth & users
  me: () => request<UserResponse>('GET', '/auth/me').then((r) => r.user),
  login: (email: string, password: string) =>
    request<UserResponse>('POST', '/auth/login', { body: { email, password } }).then((r) => r.user),
  logout: () => request<void>('POST', '/auth/logout'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/auth/change-password', { body: { currentPassword, newPassword } }),
  listUsers: () => all<UserPage['items'][number]>('/users', {}),
  createUser: (body: { email: string; displayName: string; role: Role; password: string }) =>
    request<UserResponse>('POST', '/users', { body }).then((r) => r.user),

  // students
  searchStudents: (q: string, signal?: AbortSignal, examId?: string) =>
    request<StudentPage>('GET', '/students', { query: { q, limit: 20, examId }, signal }).then((r) => r.items),
  /** The roster page: up to `limit` students matching `q`; `more` when the list was cut. */
  listStudents: async (q: string, signal?: AbortSignal, limit = 200) => {
    const res = await request<StudentPage>('GET', '/students', { query: { q, limit }, signal });
    return { items: res.items, more: !!res.nextCursor };
  },
  importStudents: (csv: Blob | string) =>
    request<ImportResult>('POST', '/students/import', { raw: { data: csv, contentType: 'text/csv' } }),
  /**
   * Student accounts: without ids, every student without one; with ids (and `reset`), those students, whose
   * one-time password is replaced. The CSV is the only place the passwords ever appear: kept as the server sent it.
   */
  provisionAccounts: async (body: { studentIds?: string[]; reset?: boolean; format?: 'csv' | 'pdf' }) => {
    const res = await send('POST', '/students/provision', { body });
    return {
      csv: await res.blob(),
      provisioned: Number(res.headers.get('X-Provisioned-Count') ?? 0),
      skipped: Number(res.headers.get('X-Skipped-Count') ?? 0),
    };
  },

  // exams
  listExams: (archived: 'true' | 'false' | 'all' = 'false') => all<ExamPage['items'][number]>('/exams', { archived }),
  getExam: (id: string) => request<ExamResponse>('GET', `/exams/${id}`).then((r) => r.exam),
  createExam: (body: { title: string; examDate?: string | null; pagesPerCopy: number; anonymous?: boolean; questions: QuestionInput[] }) =>
    request<ExamResponse>('POST', '/exams', { body }).then((r) => r.exam),
  updateExam: (id: string, body: Partial<{ title: string; examDate: string | null; pagesPerCopy: number; anonymous: boolean; questions: QuestionInput[] }>) =>
    request<ExamResponse>('PATCH', `/exams/${id}`, { body }).then((r) => r.exam),
  deleteExam: (id: string) => request<void>('DELETE', `/exams/${id}`),
  archiveExam: (id: string, archived: boolean) => request<ExamResponse>('POST', `/exams/${id}/${archived ? 'archive' : 'unarchive'}`),
  setCorrectors: (id: string, userIds: string[]) => request<ExamResponse>('PUT', `/exams/${id}/correctors`, { body: { userIds } }),
  dispatch: (id: string, rebalance = false) => request<DispatchResponse>('POST', `/exams/${id}/dispatch`, { body: { rebalance } }),
  setAssignee: (copyId: string, userId: string | null) => request<AssigneeResponse>('PUT', `/copies/${copyId}/assignee`, { body: { userId } }),
  release: (id: string, released: boolean) => request<ExamResponse>('POST', `/exams/${id}/${released ? 'release' : 'unrelease'}`),
  stats: (id: string) => request<ExamStats>('GET', `/exams/${id}/stats`),
  attendance: (examId: string, classes?: string) => request<AttendanceList>('GET', `/exams/${examId}/attendance`, { query: { class: classes || undefined } }),
  setAttendance: (examId: string, studentId: string, status: 'ABSENT' | 'EXCUSED' | 'EXEMPT' | null) =>
    request<SetAttendanceResponse>('PUT', `/exams/${examId}/attendance/${studentId}`, { body: { status } }),
  exportCsvUrl: (id: string, format: 'pronote' | 'plain') => url(`/exams/${id}/export.csv`, { format }),
  exportZipUrl: (id: string) => url(`/exams/${id}/export.zip`),
  papersPdfUrl: (id: string, q: { class?: string; count?: number; pages?: number; lang?: string }) => url(`/exams/${id}/papers.pdf`, q),
  regradeRequests: (examId: string, status?: 'OPEN' | 'ANSWERED') => request<ExamRegradeList>('GET', `/exams/${examId}/regrade-requests`, { query: { status } }),
  copyRegrades: (copyId: string) => request<CopyRegradeList>('GET', `/copies/${copyId}/regrade-requests`),
  answerRegrade: (id: string, message: string, decision: RegradeDecision) =>
    request<AnswerRegradeResponse>('POST', `/regrade-requests/${id}/answer`, { body: { message, decision } }),
  reassignRegrade: (id: string, userId: string) => request<ReassignRegradeResponse>('POST', `/regrade-requests/${id}/reassign`, { body: { userId } }),
  setRegradeDeadline: (examId: string, deadline: string | null) =>
    request<RegradeDeadlineResponse>('PUT', `/exams/${examId}/regrade-deadline`, { body: { deadline } }),

  // uploads & copies
  identificationQueue: (examId: string, filter: 'unidentified' | 'identified' = 'unidentified') =>
    request<IdentificationList>('GET', `/exams/${examId}/identification`, { query: { filter, limit: 500 } }),
  listUploads: (examId: string) => request<UploadList>('GET', `/exams/${examId}/uploads`).then((r) => r.items),
  getUpload: (id: string) => request<UploadInfo>('GET', `/uploads/${id}`),
  listCopies: (examId: string, q: { status?: CopyStatus; assignedTo?: string } = {}) =>
    all<CopyPage['items'][number]>(`/exams/${examId}/copies`, q),
  getCopy: (id: string) => request<CopyDetail>('GET', `/copies/${id}`),
  identify: (id: string, studentId: string) => request<IdentifyResponse>('POST', `/copies/${id}/identify`, { body: { studentId } }),
  unidentify: (id: string) => request<IdentifyResponse>('DELETE', `/copies/${id}/identify`),
  validate: (id: string) => request<CopyStatusResponse>('POST', `/copies/${id}/validate`),
  merge: (examId: string, copyIds: string[]) => request<MergeCopiesResponse>('POST', `/exams/${examId}/copies/merge`, { body: { copyIds } }),
  events: (id: string) => all<GradingEventList['items'][number]>(`/copies/${id}/events`, {}),
  pageImageUrl: (id: string, position: number) => url(`/copies/${id}/pages/${position}/image`),
  finalPdfUrl: (id: string) => url(`/copies/${id}/final.pdf`),

  // scan review and page repair (each write carries the rowVersion of the copies it changes)
  uploadReview: (uploadId: string) => request<UploadReview>('GET', `/uploads/${uploadId}/review`),
  rotatePage: (copyId: string, position: number, version: number, by: 90 | 180 | 270) =>
    request<PageRepairResponse>('POST', `/copies/${copyId}/pages/${position}/rotate`, { body: { version, by } }),
  movePage: (copyId: string, position: number, body: { version: number; toCopyId?: string; toVersion?: number; toPosition?: number }) =>
    request<PageRepairResponse>('POST', `/copies/${copyId}/pages/${position}/move`, { body }),
  splitCopy: (copyId: string, version: number, atPosition: number) =>
    request<PageRepairResponse>('POST', `/copies/${copyId}/split`, { body: { version, atPosition } }),
  removePage: (copyId: string, position: number, version: number) =>
    request<PageRepairResponse>('POST', `/copies/${copyId}/pages/${position}/remove`, { body: { version } }),
  restorePage: (uploadId: string, sourcePage: number, body: { toCopyId: string; toVersion: number; toPosition?: number }) =>
    request<PageRepairResponse>('POST', `/uploads/${uploadId}/bin/${sourcePage}/restore`, { body }),

  // grading
  lock: (id: string) => request<LockResponse>('POST', `/copies/${id}/lock`),
  heartbeat: (id: string, token: string) => request<HeartbeatResponse>('POST', `/copies/${id}/lock/heartbeat`, { token }),
  unlockLease: (id: string, token: string | null, keepalive = false) =>
    request<void>('DELETE', `/copies/${id}/lock`, { token, keepalive }),
  getDraft: (id: string, token: string) => request<Draft>('GET', `/copies/${id}/draft`, { token }),
  putDraft: (id: string, token: string, body: { payload: unknown; baseVersion: number; clientId: string }, keepalive = false) =>
    request<DraftSaved>('PUT', `/copies/${id}/draft`, { token, body, keepalive }),
  createAnnotation: (id: string, token: string, body: unknown) =>
    request<AnnotationResponse>('POST', `/copies/${id}/annotations`, { token, body }).then((r) => r.annotation),
  patchAnnotation: (annId: string, token: string, body: Record<string, unknown> & { version: number }) =>
    request<AnnotationResponse>('PATCH', `/annotations/${annId}`, { token, body }).then((r) => r.annotation),
  deleteAnnotation: (annId: string, token: string, version: number) =>
    request<void>('DELETE', `/annotations/${annId}`, { token, query: { version } }),
  putScore: (id: string, token: string, questionId: string, body: { points: number; comment?: string | null; version?: number }) =>
    request<ScoreResponse>('PUT', `/copies/${id}/scores/${questionId}`, { token, body }).then((r) => r.score),
  deleteScore: (id: string, token: string, questionId: string, version: number) =>
    request<void>('DELETE', `/copies/${id}/scores/${questionId}`, { token, query: { version } }),
  /** `allowUnscored`: the teacher confirmed that the questions without a score are left "not scored" */
  submit: (id: string, token: string | null, allowUnscored = false) =>
    request<CopyStatusResponse>('POST', `/copies/${id}/submit`, { token, body: allowUnscored ? { allowUnscored } : undefined }),
  finalize: (id: string, token: string | null, allowUnscored = false) =>
    request<FinalizeResponse>('POST', `/copies/${id}/finalize`, { token, body: allowUnscored ? { allowUnscored } : undefined }),
  unlockCopy: (id: string) => request<CopyStatusResponse>('POST', `/copies/${id}/unlock`),
  reopen: (id: string) => request<CopyStatusResponse>('POST', `/copies/${id}/reopen`),

  // student
  myCopies: () => request<MyCopiesResponse>('GET', '/me/copies').then((r) => r.items),
  regrade: (id: string, questionId: string, message: string) =>
    request<CreateRegradeResponse>('POST', `/copies/${id}/regrade-requests`, { body: { questionId, message } }),
};

/**
 * PDF upload with upload progress (fetch has none): raw application/pdf body.
 * Resolves with the upload (202 `{upload:{id,status}}`).
 */
export function uploadPdf(
  examId: string,
  mode: 'BATCH' | 'SINGLE',
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
): Promise<UploadCreated['upload']> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url(`/exams/${examId}/uploads`, { mode }));
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'application/pdf');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'upload failed'));
    xhr.onload = async () => {
      const res = new Response(xhr.status === 204 ? null : xhr.responseText, {
        status: xhr.status,
        headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
      });
      if (xhr.status >= 200 && xhr.status < 300) {
        (res.json() as Promise<UploadCreated>).then((body) => resolve(body.upload), () => reject(new ApiError(xhr.status, 'INTERNAL', 'unreadable answer')));
      } else reject(await toApiError(res));
    };
    xhr.send(file);
  });
}
