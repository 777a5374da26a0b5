/** The one error type of the server. `code` is the stable machine-readable code of API.md. */
export class AppError extends Error {
  constructor(
    public readonly code: string,
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
