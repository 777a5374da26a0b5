import type { CopyRenderer } from './types.ts';

/**
 * The renderer FLATTEN_COPY uses by default: the flattener, run on the PDF worker pool.
 * Imported lazily so processes that never render (CLI commands) do not start workers.
 */
export const defaultRenderer: CopyRenderer = {
  async render(input) {
    const { getPdfPool } = await import('./pool.ts');
    return getPdfPool().flattenCopy(input);
  },
};
