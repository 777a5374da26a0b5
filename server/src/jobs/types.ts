import type { AppContext } from '../context.ts';

/** The typed union of durable jobs (DESIGN.md §7). One handler file per kind; every handler is idempotent. */
export type JobPayloads = {
  FLATTEN_COPY: { copyId: string };
  INGEST_UPLOAD: { uploadId: string };
};
export type JobKind = keyof JobPayloads;

export interface JobHandler<K extends JobKind> {
  kind: K;
  run(ctx: AppContext, payload: JobPayloads[K], job: { id: string; attempts: number }): Promise<void>;
  /** called in the transaction that marks the job FAILED after its last attempt */
  onGiveUp?(ctx: AppContext, payload: JobPayloads[K], error: string, tx: import('../db/database.ts').Executor): Promise<void>;
}
