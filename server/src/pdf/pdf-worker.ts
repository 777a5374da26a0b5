/** Body of a PDF pool thread: runs one engine call at a time and posts the result back (see pool.ts). */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import { flattenCopy } from './flatten.ts';
import { inspectPdf, type InspectOptions } from './inspect.ts';
import { extractPageImages, renderPagesOfFile, scannedPagesOfFile } from './page-image.ts';
import { splitPdf } from './split.ts';
import { STREAM_AHEAD, type PdfControlMessage, type PdfTaskRequest, type PdfTaskResponse, type PdfWorkerMessage, type SerializedError } from './pool.ts';

const handlers = {
  inspectPdf,
  // read here rather than posted: the main thread neither holds the upload nor pays for a structured-clone copy
  inspectPdfFile: async (path: string, opts: InspectOptions) => inspectPdf(await readFile(path), opts),
  splitPdf,
  extractPageImages,
  scannedPagesOfFile,
  renderPagesOfFile,
  flattenCopy,
} as const;

if (!parentPort) throw new Error('pdf-worker.ts must run in a worker thread');
const port = parentPort;

/** The streamed task in progress: how many of its chunks the main thread has not finished with yet. */
let stream: { id: number; unacked: number; cancelled: boolean; wake: (() => void) | null } | null = null;

port.on('message', async (message: PdfTaskRequest | PdfControlMessage) => {
  if ('control' in message) return control(message);
  const request = message;
  let response: PdfTaskResponse;
  try {
    const handler = handlers[request.method] as (...args: unknown[]) => unknown;
    const result = await handler(...request.args);
    response = { id: request.id, ok: true, result: isAsyncIterable(result) ? await streamChunks(request.id, result) : result };
  } catch (err) {
    response = { id: request.id, ok: false, error: serializeError(err) };
  }
  port.postMessage(response, response.ok ? transferables(response.result) : []);
});
port.postMessage({ ready: true } satisfies PdfWorkerMessage);

/**
 * Posts each chunk as soon as it is ready, its buffers moved rather than copied, but never more than STREAM_AHEAD
 * chunks ahead of the main thread: memory stays bounded however slowly the chunks are stored.
 */
async function streamChunks(id: number, chunks: AsyncIterable<unknown>): Promise<null> {
  const state = { id, unacked: 0, cancelled: false, wake: null as (() => void) | null };
  stream = state;
  try {
    for await (const chunk of chunks) {
      while (state.unacked >= STREAM_AHEAD && !state.cancelled) await new Promise<void>((resolve) => (state.wake = resolve));
      if (state.cancelled) break; // the main thread failed with an earlier chunk: the rest is not wanted
      state.unacked++;
      port.postMessage({ id, chunk } satisfies PdfWorkerMessage, transferables(chunk));
    }
  } finally {
    stream = null;
  }
  return null;
}

function control(message: PdfControlMessage): void {
  const state = stream;
  if (!state || state.id !== message.id) return;
  if (message.control === 'ack') state.unacked--;
  else state.cancelled = true;
  const wake = state.wake;
  state.wake = null;
  wake?.();
}

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === 'object' && v !== null && Symbol.asyncIterator in v;

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
