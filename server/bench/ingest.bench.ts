/**
 * Ingest: a 200-page scan (one JPEG per page) → 50 copies with page images, end to end until every page is
 * served, in a separate server process whose peak RSS is read from /proc; then the original way (PyMuPDF
 * rendering every page to PNG at 150 dpi) on the same file. Also a typed (vector) PDF, whose pages are rendered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeScanPdf } from '../src/pdf/synthetic-scan.ts';
import { Api } from './lib/api.ts';
import { PYMUPDF_MISSING, pymupdfVersion, runPython } from './lib/pymupdf.ts';
import { ratio, type Report } from './lib/report.ts';
import { ADMIN, readCpuSeconds, readRss, resetPeakRss, sampleRss, startServer, tempDir, type BenchServer } from './lib/server.ts';
import { fmt, mb } from './lib/stats.ts';
import { makeVectorPdf } from './lib/vector-pdf.ts';

const SCAN_PAGES = 200;
const PAGES_PER_COPY = 4;
const SCAN_DPI = Number(process.env.KORRIGO_BENCH_SCAN_DPI ?? 150);
const RENDER_DPI = 150;
const VECTOR_PAGES = 40;

interface IngestRun {
  ms: number;
  /** until the upload route answered 202 (body stored and inspected) */
  acceptedMs: number;
  /** CPU time of the server process (all threads) over the ingest */
  cpuSeconds: number;
  pages: number;
  copies: number;
  baselineRss: number;
  peakRss: number;
}

export async function benchIngest(report: Report, opts: { profileDir?: string }): Promise<void> {
  const work = tempDir('ingest');
  try {
    console.log(`Ingest: generating a ${SCAN_PAGES}-page scan at ${SCAN_DPI} dpi and a ${VECTOR_PAGES}-page vector PDF…`);
    const scanPath = path.join(work, 'scan.pdf');
    const vectorPath = path.join(work, 'vector.pdf');
    const warmPath = path.join(work, 'warm.pdf');
    fs.writeFileSync(scanPath, await makeScanPdf({ pages: SCAN_PAGES, dpi: SCAN_DPI, pagesPerCopy: PAGES_PER_COPY }));
    fs.writeFileSync(vectorPath, await makeVectorPdf(VECTOR_PAGES));
    fs.writeFileSync(warmPath, await makeScanPdf({ pages: 8, dpi: SCAN_DPI, pagesPerCopy: PAGES_PER_COPY, seed: 2 }));
    const warmVectorPath = path.join(work, 'warm-vector.pdf');
    fs.writeFileSync(warmVectorPath, await makeVectorPdf(4));
    const uploadBytes = fs.statSync(scanPath).size;

    const server = await startServer({ dataDir: path.join(work, 'data'), profileDir: opts.profileDir });
    let scan: IngestRun;
    let vector: IngestRun;
    try {
      const admin = await Api.login(server.url, ADMIN.email, ADMIN.password);
      const exam = await admin.req('POST', '/api/v1/exams', {
        title: 'Bench ingest',
        pagesPerCopy: PAGES_PER_COPY,
        questions: [{ label: 'Q1', maxPoints: 1000 }],
      });
      if (exam.status !== 201) throw new Error(`exam: ${exam.status} ${JSON.stringify(exam.body)}`);
      const examId: string = exam.body.exam.id;
      await server.call('warm-pool');
      await ingest(server, admin, examId, warmPath);
      console.log(`Ingest: POST /exams/:id/uploads of a ${SCAN_PAGES}-page scan (${fmt(mb(uploadBytes))} MB) until every page is served…`);
      scan = await ingest(server, admin, examId, scanPath);
      // Warm-ups, for both paths: the original's clock starts after `import fitz`, so loading the PDF libraries and
      // starting threads is not counted here either. The render path's warm-up comes after the scan run, which it
      // would otherwise spare the memory of loading pdfjs.
      await ingest(server, admin, examId, warmVectorPath);
      console.log(`Ingest: ${VECTOR_PAGES}-page vector PDF…`);
      vector = await ingest(server, admin, examId, vectorPath);
    } finally {
      await server.stop();
    }

    const pagesPerSecond = (scan.pages / scan.ms) * 1000;
    const growth = scan.peakRss - scan.baselineRss;

    type PyIngest = { pages: number; seconds: number; bytes: number; peakRssBytes: number };
    let original: PyIngest | null = null;
    let originalVector: PyIngest | null = null;
    const version = pymupdfVersion();
    if (!version) report.note(PYMUPDF_MISSING);
    else {
      console.log(`Ingest, original way: PyMuPDF ${version} rendering ${SCAN_PAGES} pages to PNG at ${RENDER_DPI} dpi…`);
      original = await runPython('original_ingest.py', [scanPath, path.join(work, 'png'), String(RENDER_DPI)]);
      originalVector = await runPython('original_ingest.py', [vectorPath, path.join(work, 'png-vector'), String(RENDER_DPI)]);
    }
    const originalPps = original ? original.pages / original.seconds : NaN;

    report.add({
      bench: 'Ingest',
      figure: `scan pages/s (${SCAN_PAGES} p, ${scan.copies} copies, upload → pages served)`,
      korrigo: fmt(pagesPerSecond),
      original: original ? fmt(originalPps) : 'n/a',
      ratio: original ? ratio(pagesPerSecond, originalPps) : '—',
      target: '≥ 30× and ≥ 225 p/s',
      met: pagesPerSecond >= 225 && (original ? pagesPerSecond / originalPps >= 30 : false),
    });
    report.add({
      bench: 'Ingest',
      figure: 'where the time went (scan)',
      korrigo: `${fmt(scan.acceptedMs / 1000, 2)} s until 202 (body stored + inspected), ${fmt((scan.ms - scan.acceptedMs) / 1000, 2)} s job until DONE; server CPU ${fmt(scan.cpuSeconds, 2)} s (${fmt(scan.pages / scan.cpuSeconds, 0)} pages per CPU-second)`,
    });
    report.add({
      bench: 'Ingest',
      figure: `peak RSS growth over idle server vs upload (${fmt(mb(uploadBytes))} MB)`,
      korrigo: `${fmt(mb(growth))} MB (${fmt(growth / uploadBytes, 2)}×)`,
      original: original ? `${fmt(mb(original.peakRssBytes))} MB peak` : 'n/a',
      target: '≤ 2× upload',
      met: growth <= 2 * uploadBytes,
    });
    report.add({
      bench: 'Ingest',
      figure: 'peak RSS of the whole server process (all threads)',
      korrigo: `${fmt(mb(scan.peakRss))} MB (idle ${fmt(mb(scan.baselineRss))} MB; ${fmt(scan.peakRss / uploadBytes, 2)}× upload)`,
    });
    const vectorPps = (vector.pages / vector.ms) * 1000;
    report.add({
      bench: 'Ingest',
      figure: `vector pages/s (rendered at ${RENDER_DPI} dpi, ${VECTOR_PAGES} p)`,
      korrigo: fmt(vectorPps),
      original: originalVector ? fmt(originalVector.pages / originalVector.seconds) : 'n/a',
      ratio: originalVector ? ratio(vectorPps, originalVector.pages / originalVector.seconds) : '—',
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** One ingest, timed from the first byte sent to the last page stored, with the server's RSS around it. */
async function ingest(server: BenchServer, admin: Api, examId: string, file: string): Promise<IngestRun> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const baselineRss = readRss(server.pid).rss;
  const peakReset = resetPeakRss(server.pid);
  const sampler = sampleRss(server.pid);
  const cpuBefore = readCpuSeconds(server.pid);
  const started = performance.now();
  const up = await admin.req('POST', `/api/v1/exams/${examId}/uploads?mode=BATCH`, bytes);
  if (up.status !== 202) throw new Error(`upload: ${up.status} ${JSON.stringify(up.body)}`);
  const accepted = performance.now();
  const uploadId: string = up.body.upload.id;
  let upload: { status: string; error: string | null; copyIds: string[]; pageCount: number };
  for (;;) {
    const s = await admin.req('GET', `/api/v1/uploads/${uploadId}`);
    if (s.status !== 200) throw new Error(`upload status: ${s.status} ${JSON.stringify(s.body)}`);
    upload = s.body.upload ?? s.body;
    if (upload.status === 'FAILED') throw new Error(`the upload failed: ${upload.error}`);
    if (upload.status === 'DONE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - started;
  const cpuSeconds = readCpuSeconds(server.pid) - cpuBefore;
  const sampled = sampler.stop();
  const peakRss = Math.max(sampled, peakReset ? readRss(server.pid).peak : 0);
  await checkViewable(admin, upload.copyIds, upload.pageCount);
  return { ms, acceptedMs: accepted - started, cpuSeconds, pages: upload.pageCount, copies: upload.copyIds.length, baselineRss, peakRss };
}

/** Every page of every copy must be served as an image, or the ingest did not finish. */
async function checkViewable(admin: Api, copyIds: string[], expectedPages: number): Promise<void> {
  let served = 0;
  for (const id of copyIds) {
    const copy = await admin.req('GET', `/api/v1/copies/${id}`);
    if (copy.status !== 200) throw new Error(`copy ${id}: ${copy.status}`);
    for (const page of copy.body.pages as { position: number }[]) {
      const res = await fetch(`${admin.base}/api/v1/copies/${id}/pages/${page.position}/image`, { headers: { cookie: admin.cookie } });
      const body = new Uint8Array(await res.arrayBuffer());
      if (res.status !== 200 || body.length < 100) throw new Error(`page ${page.position} of copy ${id}: ${res.status}`);
      served++;
    }
  }
  if (served !== expectedPages) throw new Error(`ingest stored ${served} viewable pages, expected ${expectedPages}`);
}
