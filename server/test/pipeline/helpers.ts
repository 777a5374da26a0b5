/** Shared steps of the pipeline tests: upload over HTTP, run the jobs to the end, count what exists. */
import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { Client, TestEnv } from '../helpers/harness.ts';
import { JobRunner } from '../../src/jobs/runner.ts';
import { jobHandlers } from '../../src/jobs/index.ts';
import { plainJpeg } from '../fixtures/pdf-fixtures.ts';

export const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

export function upload(admin: Client, examId: string, pdf: Uint8Array, mode: 'BATCH' | 'SINGLE' = 'BATCH') {
  return admin.req('POST', `/api/v1/exams/${examId}/uploads?mode=${mode}`, Buffer.from(pdf), { 'content-type': 'application/pdf' });
}

/** Runs due jobs, moving the clock past retry backoffs, until none is queued or running. */
export async function runJobs(env: TestEnv, runner = new JobRunner(env.ctx, jobHandlers, { backoffBaseMs: 10 })) {
  for (let i = 0; i < 20; i++) {
    await runner.drain();
    const open = await env.ctx.db.selectFrom('jobs').select('id').where('status', 'in', ['QUEUED', 'RUNNING']).execute();
    if (open.length === 0) return;
    env.clock.advance(60_000);
  }
  throw new Error('jobs did not settle');
}

/** Uploads, expects 202, runs the ingest and returns the final upload status. */
export async function ingest(env: TestEnv, admin: Client, examId: string, pdf: Uint8Array, mode: 'BATCH' | 'SINGLE' = 'BATCH') {
  const res = await upload(admin, examId, pdf, mode);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.upload.status).toBe('PENDING');
  await runJobs(env);
  const status = await admin.req('GET', `/api/v1/uploads/${res.body.upload.id}`);
  expect(status.status).toBe(200);
  return status.body as { id: string; status: string; pageCount: number; pagesDone: number; error: string | null; copyIds: string[] };
}

export async function rowCount(env: TestEnv, table: 'uploads' | 'copies' | 'pages' | 'blobs' | 'booklets' | 'jobs' | 'grading_events') {
  const r = await env.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The pages of the given copies with their image bytes, as the page-image route serves them: a range of the scan
 * blob for a scanned page, the page's own blob for a rendered one. In scan order.
 */
export async function pageImages(env: TestEnv, copyIds: string[]) {
  const rows = await env.ctx.db
    .selectFrom('pages')
    .innerJoin('blobs', 'blobs.id', 'pages.image_blob_id')
    .select(['pages.copy_id', 'pages.position', 'pages.source_page', 'pages.width_px', 'pages.height_px', 'pages.image_offset', 'pages.image_length', 'blobs.storage_key', 'blobs.content_type'])
    .where('pages.copy_id', 'in', copyIds.length ? copyIds : [''])
    .orderBy('pages.source_page')
    .$narrowType<{ copy_id: string; position: number }>()
    .execute();
  return Promise.all(
    rows.map(async (r) => {
      const range = r.image_offset === null ? null : { offset: Number(r.image_offset), length: Number(r.image_length) };
      const bytes = await env.ctx.blobs.read(r.storage_key, range);
      return { ...r, scanned: range !== null, bytes, sha256: sha256(bytes) };
    }),
  );
}

export async function filesOnDisk(env: TestEnv): Promise<string[]> {
  const out: string[] = [];
  for await (const f of env.ctx.blobs.list()) out.push(f.storageKey);
  return out;
}

/** `n` JPEGs with different sizes and colours: every page of a fixture is recognisable by its bytes. */
export async function distinctJpegs(n: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(await plainJpeg(60 + i, 85 + i, `hsl(${(i * 47) % 360}, 70%, 55%)`));
  return out;
}
