import type { AppContext } from '../context.ts';
import type { ScanPageRange } from '../pdf/page-image.ts';

/** The typed union of durable jobs (DESIGN.md §7). One handler file per kind; every handler is idempotent. */
export type JobPayloads = {
  FLATTEN_COPY: { copyId: string };
  /** `scanPages`: the upload inspection's map of the scan (see upload.service.ts); absent in older jobs */
  INGEST_UPLOAD: { uploadId: string; scanPages?: Array<ScanPageRange | null> };
  /** the header-masked first page of a copy of an anonymous exam (anonymity.service.ts) */
  MASK_HEADER: { copyId: string };
};
export type JobKind = keyof JobPayloads;

export interface JobHandler<K extends JobKind> {
  kind: K;
  run(ctx: AppContext, payload: JobPayloads[K], job: { id: string; attempts: number }): Promise<void>;
  /** called in the transaction that marks the job FAILED after its last attempt */
  onGiveUp?(ctx: AppContext, payload: JobPayloads[K], error: string, tx: import('../db/database.ts').Executor): Promise<void>;
}
