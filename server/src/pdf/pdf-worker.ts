/** Body of a PDF pool thread: runs one engine call at a time and posts the result back (see pool.ts). */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import { flattenCopy } from './flatten.ts';
import { measureInk } from './ink.ts';
import { inspectPdf, type InspectOptions } from './inspect.ts';
import { extractPageImages, renderPagesOfFile } from './page-image.ts';
import { splitPdf } from './split.ts';
import type { PdfTaskRequest, PdfTaskResponse, PdfWorkerMessage, SerializedError } from './pool.ts';

const handlers = {
  inspectPdf,
  // read here rather than posted: the main thread neither holds the upload nor pays for a structured-clone copy
  inspectPdfFile: async (path: string, opts: InspectOptions) => inspectPdf(await readFile(path), opts),
  splitPdf,
  extractPageImages,
  renderPagesOfFile,
  flattenCopy,
  measureInk,
} as const;

if (!parentPort) throw new Error('pdf-worker.ts must run in a worker thread');
const port = parentPort;

port.on('message', async (request: PdfTaskRequest) => {
  let response: PdfTaskResponse;
  try {
    const handler = handlers[request.method] as (...args: unknown[]) => unknown;
    const result = await handler(...request.args);
    response = { id: request.id, ok: true, result };
  } catch (err) {
    response = { id: request.id, ok: false, error: serializeError(err) };
  }
  port.postMessage(response, response.ok ? transferables(response.result) : []);
});
port.postMessage({ ready: true } satisfies PdfWorkerMessage);

function serializeError(err: unknown): SerializedError {
  if (err instanceof AppError) {
    const app = { code: err.code, status: err.status, extra: err.extra };
    return { name: err.name, message: err.message, stack: err.stack, app };
  }
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** Result buffers move to the main thread instead of being copied (page images and PDFs are megabytes). */
function transferables(value: unknown, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (value instanceof Uint8Array) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) transferables(v, found);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) transferables(v, found);
  }
  return [...found];
}
