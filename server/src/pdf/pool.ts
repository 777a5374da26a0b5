/**
 * The PDF engine's worker_threads pools: parsing, rendering and encoding are CPU-bound and must not stall the API's
 * event loop. Each thread runs one task at a time; tasks wait in a FIFO queue. Every task is bounded (DESIGN.md §9):
 * a thread has a heap limit (`resourceLimits`) and each task a deadline; a thread that crashes, runs out of memory or
 * overruns the deadline is terminated and replaced, and only its own task fails, with a PdfBudgetExceeded naming the
 * page it was on.
 *
 * Two lanes, each a pool of its own: `quick` checks uploads (and renders small scans), `bulk` renders big scans and
 * final PDFs, so that a long render never holds up the check of the next upload.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, PdfBudgetExceeded } from '../errors.ts';
import type { InspectOptions, PdfInspection } from './inspect.ts';
import type { MaskRect } from './mask.ts';
import type { PageImageOptions } from './page-image.ts';
import type { ReadCode } from './codes.ts';
import type { PapersInput } from './papers.ts';
import type { FlattenInput, PageImage, PdfLane } from './types.ts';
import type { ErrorCode } from '@korrigo/contracts';

export interface PdfPoolOptions {
  /** Threads; defaults to min(2, cores) so PDF work leaves a core to the API. */
  size?: number;
  /** A task running longer than this is abandoned and its thread replaced. */
  taskTimeoutMs?: number;
  /** Heap of each thread (V8 old generation), in MB; past it the thread dies and is replaced. */
  maxHeapMb?: number;
}

/** How long one task may run: a chunk of pages to render, an upload check, a final PDF. Normal ones take seconds. */
const DEFAULT_TASK_TIMEOUT_MS = 120_000;
/** Pixels are outside the heap (canvas, decoded images: bounded by the pixel caps); this bounds the rest. */
const DEFAULT_MAX_HEAP_MB = 512;

interface PdfMethods {
  inspectPdf(bytes: Uint8Array, opts: InspectOptions): Promise<PdfInspection>;
  inspectPdfFile(path: string, opts: InspectOptions): Promise<PdfInspection>;
  splitPdf(bytes: Uint8Array, ranges: Array<[number, number]>): Promise<Uint8Array[]>;
  extractPageImages(bytes: Uint8Array, opts?: PageImageOptions): Promise<PageImage[]>;
  renderPagesOfFile(path: string, pageIndices: number[], opts?: PageImageOptions): Promise<PageImage[]>;
  renderPages(bytes: Uint8Array, pageIndices: number[], opts?: PageImageOptions): Promise<PageImage[]>;
  flattenCopy(input: FlattenInput): Promise<Uint8Array>;
  maskImage(jpeg: Uint8Array, rect: MaskRect): Promise<PageImage>;
  measureInk(images: Uint8Array[]): Promise<number[]>;
  renderPapers(input: PapersInput): Promise<Uint8Array>;
  readPageCodes(jpegs: Uint8Array[]): Promise<Array<ReadCode | null>>;
  countPdfPages(bytes: Uint8Array): Promise<number>;
}
type Method = keyof PdfMethods;

export interface PdfTaskRequest {
  id: number;
  method: Method;
  args: unknown[];
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  app?: { code: ErrorCode; status: number; extra: Record<string, unknown> };
}

export type PdfTaskResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** What a thread posts: `ready` once its modules are loaded, then, per task, the pages it starts and one response. */
export type PdfWorkerMessage = { ready: true } | { progress: number; page: number } | PdfTaskResponse;

interface Task {
  request: PdfTaskRequest;
  /** buffers of the arguments that move to the thread instead of being copied */
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  /** Loading tsx, pdf-lib and the engine takes a while; tasks (and their timeouts) start after that. */
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** 0-based page the task is on, as the thread last reported */
  page: number | null;
}

const WORKER_URL = new URL('./pdf-worker.mjs', import.meta.url);

export class PdfPool implements PdfMethods {
  readonly size: number;
  private readonly taskTimeoutMs: number;
  private readonly maxHeapMb: number;
  private readonly threads = new Set<Thread>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: PdfPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(2, availableParallelism())));
    this.taskTimeoutMs = options.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    this.maxHeapMb = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  }

  inspectPdf(bytes: Uint8Array, opts: InspectOptions): Promise<PdfInspection> {
    return this.run('inspectPdf', [bytes, opts]);
  }

  /**
   * `inspectPdf` without copying `bytes` to the thread: their whole buffer moves there, and is unusable (detached)
   * here as soon as this is called. For a scan the caller has no further use for.
   */
  inspectPdfMoving(bytes: Uint8Array, opts: InspectOptions): Promise<PdfInspection> {
    return this.run('inspectPdf', [bytes, opts], bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : []);
  }

  splitPdf(bytes: Uint8Array, ranges: Array<[number, number]>): Promise<Uint8Array[]> {
    return this.run('splitPdf', [bytes, ranges]);
  }

  extractPageImages(bytes: Uint8Array, opts?: PageImageOptions): Promise<PageImage[]> {
    return this.run('extractPageImages', [bytes, opts]);
  }

  /** Inspects the PDF at `path`, read by the thread itself: the caller never holds the file nor posts a copy. */
  inspectPdfFile(path: string, opts: InspectOptions): Promise<PdfInspection> {
    return this.run('inspectPdfFile', [path, opts]);
  }

  renderPagesOfFile(path: string, pageIndices: number[], opts?: PageImageOptions): Promise<PageImage[]> {
    return this.run('renderPagesOfFile', [path, pageIndices, opts]);
  }

  /** `renderPagesOfFile` of a PDF held in memory (posted to the thread: copied, unlike a file the thread reads). */
  renderPages(bytes: Uint8Array, pageIndices: number[], opts?: PageImageOptions): Promise<PageImage[]> {
    return this.run('renderPages', [bytes, pageIndices, opts]);
  }

  flattenCopy(input: FlattenInput): Promise<Uint8Array> {
    return this.run('flattenCopy', [input]);
  }

  maskImage(jpeg: Uint8Array, rect: MaskRect): Promise<PageImage> {
    return this.run('maskImage', [jpeg, rect]);
  }

  /** Share of dark pixels of each JPEG. */
  measureInk(images: Uint8Array[]): Promise<number[]> {
    return this.run('measureInk', [images]);
  }

  /** Printed papers with their page codes (papers.ts). */
  renderPapers(input: PapersInput): Promise<Uint8Array> {
    return this.run('renderPapers', [input]);
  }

  /** The page code of each scanned page (codes.ts); null where none was read. */
  readPageCodes(jpegs: Uint8Array[]): Promise<Array<ReadCode | null>> {
    return this.run('readPageCodes', [jpegs]);
  }

  /** Pages of a PDF that is not a scan (a question paper); throws on an unreadable or encrypted file. */
  countPdfPages(bytes: Uint8Array): Promise<number> {
    return this.run('countPdfPages', [bytes]);
  }

  /** Stops every thread; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new Error('The PDF worker pool was closed');
    for (const task of this.queue.splice(0)) task.reject(closing);
    const threads = [...this.threads];
    this.threads.clear();
    for (const thread of threads) this.fail(thread, closing);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private run<T>(method: Method, args: unknown[], transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('The PDF worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      const request = { id: this.nextId++, method, args };
      this.queue.push({ request, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      const task = thread.ready && !thread.task ? this.queue.shift() : undefined;
      if (!task) continue;
      thread.task = task;
      thread.worker.ref();
      thread.timer = setTimeout(() => this.timeout(thread), this.taskTimeoutMs);
      thread.worker.postMessage(task.request, task.transfer);
    }
    const booting = [...this.threads].filter((t) => !t.ready).length;
    const wanted = Math.min(this.queue.length - booting, this.size - this.threads.size);
    for (let i = 0; i < wanted; i++) this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    const thread: Thread = { worker, ready: false, task: null, timer: null, page: null };
    worker.on('message', (message: PdfWorkerMessage) => {
      if ('progress' in message) {
        if (thread.task?.request.id === message.progress) thread.page = message.page;
        return;
      }
      if (!('ready' in message)) return this.settle(thread, message);
      thread.ready = true;
      this.dispatch();
      if (!thread.task) worker.unref();
    });
    worker.on('error', (err) => {
      const outOfMemory = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(thread, outOfMemory && thread.ready ? this.budgetError(thread, `needed more than the ${this.maxHeapMb} MB of memory allowed`) : err);
    });
    worker.on('exit', (code) => this.replace(thread, new Error(`A PDF worker thread exited (code ${code})`)));
    this.threads.add(thread);
  }

  private settle(thread: Thread, response: PdfTaskResponse): void {
    const task = thread.task;
    if (!task || task.request.id !== response.id) return;
    this.release(thread);
    if (response.ok) task.resolve(response.result);
    else task.reject(deserializeError(response.error));
    this.dispatch();
  }

  private timeout(thread: Thread): void {
    const seconds = Math.round(this.taskTimeoutMs / 1000);
    this.replace(thread, this.budgetError(thread, `took longer than ${seconds} s and was stopped`));
    void thread.worker.terminate();
  }

  private budgetError(thread: Thread, what: string): PdfBudgetExceeded {
    const page = thread.page === null ? null : thread.page + 1;
    return new PdfBudgetExceeded(page === null ? `A PDF task ${what}` : `Page ${page} ${what}`, page);
  }

  /** Drops a broken thread, fails its task, and lets the queue start a fresh one. */
  private replace(thread: Thread, err: Error): void {
    if (!this.threads.delete(thread)) return;
    this.fail(thread, err);
    if (!thread.ready) {
      // A thread that cannot even load the engine will not do better on the next try: fail fast, no respawn loop.
      const failed = new Error(`The PDF worker thread could not start: ${err.message}`);
      for (const task of this.queue.splice(0)) task.reject(failed);
      return;
    }
    if (!this.closed) this.dispatch();
  }

  private fail(thread: Thread, err: Error): void {
    const task = thread.task;
    this.release(thread);
    task?.reject(err);
  }

  private release(thread: Thread): void {
    if (thread.timer) clearTimeout(thread.timer);
    thread.timer = null;
    thread.task = null;
    thread.page = null;
    // An idle pool must not keep the process alive; a busy one must.
    thread.worker.unref();
  }
}

function deserializeError(e: SerializedError): Error {
  const err = e.app ? new AppError(e.app.code, e.app.status, e.message, e.app.extra) : new Error(e.message);
  if (!e.app) err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

const shared = new Map<PdfLane, PdfPool>();

/** The process-wide pool of a lane, created on first use; options only apply to that first call. */
export function getPdfPool(lane: PdfLane = 'bulk', options?: PdfPoolOptions): PdfPool {
  let pool = shared.get(lane);
  if (!pool) {
    pool = new PdfPool({ size: lane === 'quick' ? 1 : undefined, ...options });
    shared.set(lane, pool);
  }
  return pool;
}

export async function closePdfPool(): Promise<void> {
  const pools = [...shared.values()];
  shared.clear();
  await Promise.all(pools.map((p) => p.close()));
}
