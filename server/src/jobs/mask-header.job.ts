import type { JobHandler } from './types.ts';
import { maskCopyHeader } from '../services/anonymity.service.ts';

/** Makes the masked header page of a validated copy of an anonymous exam before a corrector asks for it. */
export const maskHeaderJob: JobHandler<'MASK_HEADER'> = {
  kind: 'MASK_HEADER',
  async run(ctx, { copyId }) {
    await maskCopyHeader(ctx, copyId);
  },
};
