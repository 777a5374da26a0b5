import type { JobHandler, JobKind } from './types.ts';
import { flattenCopyJob } from './flatten-copy.job.ts';
import { ingestUploadJob } from './ingest-upload.job.ts';
import { maskHeaderJob } from './mask-header.job.ts';

/** Every job kind's handler; the pipeline adds INGEST_UPLOAD here. */
export const jobHandlers: Partial<Record<JobKind, JobHandler<any>>> = {
  FLATTEN_COPY: flattenCopyJob,
  INGEST_UPLOAD: ingestUploadJob,
  MASK_HEADER: maskHeaderJob,
};
