import type { Report } from './lib/report.ts';
export async function benchScale(_report: Report, _opts: { profileDir?: string }): Promise<void> {}
