/**
 * The rubric routes (API.md "Rubrics and question leases", contracts/src/rubric.schema.ts) and the question lease.
 * Answers go through normalize.ts, so the desk and the admin tabs see one shape.
 */
import type {
  CopyRubricResponse,
  ExamProgress,
  FinalizeCompleteResponse,
  LockResponse,
  NextCopyResponse,
  PatchRubricItemResponse,
  QuestionCorrectorsList,
  QuestionRubricState,
  QuestionSettings,
  RubricEditEffect,
  RubricItemList,
  RubricItemResponse,
} from '@korrigo/contracts';
import { request } from '../../../api/client';
import { normAssignments, normItem, normPreview, normProgress, normSettings, normState, rubricOfCopy } from './normalize';
import type { Applied, QuestionRegion, ScoringMode } from './rubric-types';

export interface ItemFields {
  label?: string;
  comment?: string;
  points?: number;
  group?: string | null;
  order?: number;
  retired?: boolean;
}

/** The body's applied items: a badge's place only when it has one (the server refuses nulls). */
const appliedBody = (applied: Applied[]) =>
  applied.map((a) => (a.pagePosition != null && a.x != null && a.y != null ? { itemId: a.itemId, pagePosition: a.pagePosition, x: a.x, y: a.y } : { itemId: a.itemId }));

export const rubricApi = {
  /** the exam's items (retired ones too) and every leaf question's scoring mode and region */
  items: (examId: string) =>
    request<RubricItemList>('GET', `/exams/${examId}/rubric-items`).then((r) => ({ items: r.items.map(normItem), settings: normSettings(r) })),
  createItem: (examId: string, body: { questionId: string; label: string; comment?: string; points: number; group?: string | null }) =>
    request<RubricItemResponse>('POST', `/exams/${examId}/rubric-items`, { body }).then((r) => normItem(r.item)),
  patchItem: (itemId: string, version: number, fields: ItemFields) =>
    request<PatchRubricItemResponse>('PATCH', `/rubric-items/${itemId}`, { body: { version, ...fields } }).then((r) => normItem(r.item)),
  deleteItem: (itemId: string, version: number) => request<void>('DELETE', `/rubric-items/${itemId}`, { query: { version } }),
  preview: (itemId: string, fields: ItemFields) => request<RubricEditEffect>('POST', `/rubric-items/${itemId}/preview`, { body: fields }).then(normPreview),
  copyRubric: (copyId: string) => request<CopyRubricResponse>('GET', `/copies/${copyId}/rubric`).then(rubricOfCopy),
  putRubric: (copyId: string, token: string, questionId: string, body: { version: number; applied: Applied[]; adjustment: number | null }) =>
    request<QuestionRubricState>('PUT', `/copies/${copyId}/questions/${questionId}/rubric`, {
      token,
      body: { version: body.version, applied: appliedBody(body.applied), adjustment: body.adjustment ?? 0 },
    }).then(normState),
  lock: (copyId: string, questionId?: string | null) =>
    request<LockResponse>('POST', `/copies/${copyId}/lock`, { body: questionId ? { questionId } : undefined }),
  /** the next copy not yet scored on the question for the caller (after `after`), or null (204) */
  next: (examId: string, questionId: string, after?: string) =>
    request<NextCopyResponse | undefined>('GET', `/exams/${examId}/questions/${questionId}/next`, { query: { after } }).then((r) =>
      r?.copy ? { copyId: r.copy.id, remaining: r.remaining } : null,
    ),
  progress: (examId: string) => request<ExamProgress>('GET', `/exams/${examId}/question-progress`).then(normProgress),
  setRegion: (examId: string, questionId: string, region: QuestionRegion | null) =>
    request<QuestionSettings>('PUT', `/exams/${examId}/questions/${questionId}/region`, { body: { region } }),
  setMode: (examId: string, questionId: string, mode: ScoringMode) =>
    request<QuestionSettings>('PUT', `/exams/${examId}/questions/${questionId}/scoring-mode`, { body: { mode } }),
  questionCorrectors: (examId: string) => request<QuestionCorrectorsList>('GET', `/exams/${examId}/question-correctors`).then(normAssignments),
  setQuestionCorrectors: (examId: string, questionId: string, assignments: { userId: string; quota: number | null }[]) =>
    request<QuestionCorrectorsList>('PUT', `/exams/${examId}/questions/${questionId}/correctors`, { body: { assignments } }).then(normAssignments),
  finalizeComplete: (examId: string) =>
    request<FinalizeCompleteResponse>('POST', `/exams/${examId}/finalize-complete`),
};
