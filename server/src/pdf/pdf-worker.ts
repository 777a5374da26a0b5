/** Body of a PDF pool thread: runs one engine call at a time and posts the result back (see pool.ts). */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import { flattenCopy } from './flatten.ts';
import { measureInk } from './ink.ts';
import { inspectPdf, type InspectOptions } from './inspect.ts';
import { maskImage } from './mask.ts';
import { readPageCodes } from './codes.ts';
import { countPdfPages, renderPapers, type PapersInput } from './papers.ts';
import { extractPageImages, renderPages, renderPagesOfFile, type PageImageOptions } from './page-image.ts';
import type { FlattenInput } from './types.ts';
import { splitPdf } from './split.ts';
import type { PdfTaskRequest, PdfTaskResponse, PdfWorkerMessage, SerializedError } from './pool.ts';

/** Tells the pool which 0-based page a task is on, so that a task stopped for its budget names the page. */
type OnPage = (page: number) => void;

const handlers = {
  inspectPdf: (_: OnPage, bytes: Uint8Array, opts: InspectOptions) => inspectPdf(bytes, opts),
  // read here rather than posted: the main thread neither holds the upload nor pays for a structured-clone copy
  inspectPdfFile: async (_: OnPage, path: string, opts: InspectOptions) => inspectPdf(await readFile(path), opts),
  splitPdf: (_: OnPage, bytes: Uint8Array, ranges: Array<[number, number]>) => splitPdf(bytes, ranges),
  extractPageImages: (onPage: OnPage, bytes: Uint8Array, opts?: PageImageOptions) => extractPageImages(bytes, opts, onPage),
  renderPagesOfFile: (onPage: OnPage, path: string, pages: number[], opts?: PageImageOptions) => renderPagesOfFile(path, pages, opts, onPage),
  renderPages: (onPage: OnPage, bytes: Uint8Array, pages: number[], opts?: PageImageOptions) => renderPages(bytes, pages, opts ?? {}, onPage),
  flattenCopy: (_: OnPage, input: FlattenInput) => flattenCopy(input),
  maskImage: (_: OnPage, ...args: Parameters<typeof maskImage>) => maskImage(...args),
  measureInk: (_: OnPage, ...args: Parameters<typeof measureInk>) => measureInk(...args),
  renderPapers: (_: OnPage, input: PapersInput) => renderPapers(input),
  readPageCodes: (_: OnPage, jpegs: Uint8Array[]) => readPageCodes(jpegs),
  countPdfPages: (_: OnPage, bytes: Uint8Array) => countPdfPages(bytes),
} as const;

if (!parentPort) throw new Error('pdf-worker.ts must run in a worker thread');
const port = parentPort;

port.on('message', async (request: PdfTaskRequest) => {
  let response: PdfTaskResponse;
  try {
    const handler = handlers[request.method] as (onPage: OnPage, ...args: unknown[]) => unknown;
    const onPage: OnPage = (page) => port.postMessage({ progress: request.id, page } satisfies PdfWorkerMessage);
    const result = await handler(onPage, ...request.args);
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
