import type { JobHandler } from './types.ts';
import { ingestUpload, markUploadFailed } from '../services/upload.service.ts';

/**
 * Cuts an uploaded scan into booklets, STAGING copies and page images. Idempotent: everything is committed by one
 * final transaction guarded by the upload's PROCESSING → DONE transition (see upload.service.ts), so a re-run after
 * a crash or a lost lease never duplicates a copy or a page.
 */
export const ingestUploadJob: JobHandler<'INGEST_UPLOAD'> = {
  kind: 'INGEST_UPLOAD',
  run: (ctx, { uploadId, scanPages }) => ingestUpload(ctx, uploadId, scanPages),
  onGiveUp: (ctx, { uploadId }, error, tx) => markUploadFailed(ctx, tx, uploadId, error),
};
