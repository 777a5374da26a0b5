import type { ErrorCode } from '@korrigo/contracts';

/** The one error type of the server. `code` is the stable machine-readable code of API.md (`ErrorCode` of the contracts). */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    public readonly status: number,
    message: string,
    public readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'Resource') => new AppError('NOT_FOUND', 404, `${what} not found`);
export const forbidden = (msg = 'You are not allowed to do this') => new AppError('FORBIDDEN', 403, msg);
export const validation = (msg: string, extra: Record<string, unknown> = {}) =>
  new AppError('VALIDATION_FAILED', 400, msg, extra);
export const invalidState = (currentStatus: string | null, msg?: string) =>
  new AppError('INVALID_STATE', 409, msg ?? `Not allowed while the copy is ${currentStatus ?? 'missing'}`, {
    currentStatus,
  });
export const invalidPdf = (msg: string) => new AppError('INVALID_PDF', 422, msg);

/**
 * A PDF task ran out of its time or memory budget (pdf/pool.ts). Final: the same file would exhaust it again, so the
 * job runner does not retry it. `page` is the 1-based page being worked on, when known.
 */
export class PdfBudgetExceeded extends Error {
  readonly final = true;
  constructor(
    message: string,
    readonly page: number | null,
  ) {
    super(message);
    this.name = 'PdfBudgetExceeded';
  }
}

/** Whether retrying the job that threw `err` cannot help. */
export const isFinalError = (err: unknown): boolean => (err as { final?: unknown } | null)?.final === true;
