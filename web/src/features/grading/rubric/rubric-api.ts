/**
 * The rubric routes of API.md (v1.1) and the question lease. Answers are normalized here (normalize.ts), so the
 * desk and the admin tabs see one shape whatever close variant the server sends.
 */
import { request } from '../../../api/client';
import type { LockInfo } from '../../../api/client';
import { normItem, normPreview, normProgress, normSettings, normState } from './normalize';
import type { Applied, QuestionRegion, RubricItem, ScoringMode } from './rubric-types';

export interface ItemFields {
  label?: string;
  comment?: string | null;
  points?: number;
  group?: string | null;
  order?: number;
  retired?: boolean;
}

const wrap = (res: unknown, key: string): unknown => (res && typeof res === 'object' && key in res ? (res as Record<string, unknown>)[key] : res);
const list = (res: unknown, key: string): unknown[] => {
  const v = Array.isArray(res) ? res : (wrap(res, 'items') ?? wrap(res, key));
  return Array.isArray(v) ? v : Array.isArray(wrap(res, key)) ? (wrap(res, key) as unknown[]) : [];
};

export const rubricApi = {
  items: (examId: string) => request<unknown>('GET', `/exams/${examId}/rubric-items`).then((r) => list(r, 'items').map(normItem)),
  createItem: (examId: string, body: { questionId: string; label: string; comment?: string | null; points: number; group?: string | null }) =>
    request<unknown>('POST', `/exams/${examId}/rubric-items`, { body }).then((r) => normItem(wrap(r, 'item'))),
  patchItem: (itemId: string, version: number, fields: ItemFields) =>
    request<unknown>('PATCH', `/rubric-items/${itemId}`, { body: { version, ...fields } }).then((r) => normItem(wrap(r, 'item'))),
  preview: (itemId: string, fields: ItemFields) => request<unknown>('POST', `/rubric-items/${itemId}/preview`, { body: fields }).then(normPreview),
  putRubric: (copyId: string, token: string, questionId: string, body: { version: number; applied: Applied[]; adjustment: number | null }) =>
    request<unknown>('PUT', `/copies/${copyId}/questions/${questionId}/rubric`, { token, body }).then((r) => normState(r, questionId)),
  lock: (copyId: string, questionId?: string | null) =>
    request<LockInfo>('POST', `/copies/${copyId}/lock`, { body: questionId ? { questionId } : undefined }),
  /** the next copy not yet scored on the question for the caller; null when there is none (204) */
  next: (examId: string, questionId: string) =>
    request<unknown>('GET', `/exams/${examId}/questions/${questionId}/next`).then((r) => {
      const v = wrap(wrap(r, 'copy'), 'id') ?? wrap(r, 'copyId');
      return typeof v === 'string' ? v : null;
    }),
  /** scored / total per question for the caller (or for the whole exam when `all`) */
  progress: (examId: string) => request<unknown>('GET', `/exams/${examId}/questions/progress`).then(normProgress),
  settings: (examId: string) => request<unknown>('GET', `/exams/${examId}/question-settings`).then(normSettings),
  putSettings: (examId: string, questionId: string, body: { scoringMode?: ScoringMode; region?: QuestionRegion | null }) =>
    request<unknown>('PUT', `/exams/${examId}/questions/${questionId}/settings`, { body }),
};

export type { RubricItem };
