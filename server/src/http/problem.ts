import type { ErrorCode, Problem } from '@korrigo/contracts';

/** problem+json (RFC 9457) with the stable code of API.md; a 5xx never carries internals. */
export function problem(status: number, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `https://korrigo.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, title: code, status, code, detail, ...extra };
}
