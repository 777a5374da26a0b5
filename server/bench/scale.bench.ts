/**
 * Scale: an exam of 2,000 copies × 8 pages (rows written through the repositories in big transactions, one small
 * image file per page) → latency of the copies list, filtered and not, and of the exam statistics, one client at a
 * time so the figure is the latency a user sees, on SQLite then PostgreSQL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Actor } from '../src/context.ts';
import { studentsByNumbers } from '../src/repositories/student.repository.ts';
import { importRoster } from '../src/services/student.service.ts';
import { newAnonymousCode } from '../src/services/upload.service.ts';
import { BlobStore, type StoredFile } from '../src/storage/blob-store.ts';
import { tinyJpeg } from '../test/helpers/images.ts';
import { runLoad } from './lib/load.ts';
import type { Report } from './lib/report.ts';
import { openContext, seedCopies, seedExam, seedUsers, type CopySpec } from './lib/seed.ts';
import { createPgDatabase, readCpuSeconds, startServer, tempDir } from './lib/server.ts';
import { fmt } from './lib/stats.ts';

const COPIES = 2000;
const PAGES = 8;
const TEACHERS = 10;
const WARMUP = 20;
const SAMPLES = 200;

type Status = CopySpec['status'];
const STATUS_BY_DECILE: Status[] = ['STAGING', 'STAGING', 'READY', 'READY', 'READY', 'READY', 'LOCKED', 'GRADED', 'GRADED', 'GRADED'];

export async function benchScale(report: Report, opts: { profileDir?: string }): Promise<void> {
  const work = tempDir('scale');
  try {
    console.log(`Scale: writing ${COPIES * PAGES} page images and ${COPIES} copies' final PDFs…`);
    const blobs = new BlobStore(path.join(work, 'blobs'));
    const jpeg = (await tinyJpeg()).bytes;
    const pageFiles = await putMany(blobs, COPIES * PAGES, jpeg, 'image/jpeg');
    const finalFiles = await putMany(blobs, COPIES, new TextEncoder().encode('%PDF-1.7\n%bench placeholder\n%%EOF\n'), 'application/pdf');
    for (const engine of ['sqlite', 'postgres'] as const) await benchEngine(engine, work, pageFiles, finalFiles, report, opts);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function putMany(blobs: BlobStore, n: number, bytes: Uint8Array, type: string): Promise<StoredFile[]> {
  const out: StoredFile[] = [];
  for (let i = 0; i < n; i += 64) out.push(...(await Promise.all(Array.from({ length: Math.min(64, n - i) }, () => blobs.put(bytes, type)))));
  return out;
}

async function benchEngine(
  engine: 'sqlite' | 'postgres',
  work: string,
  pageFiles: StoredFile[],
  finalFiles: StoredFile[],
  report: Report,
  opts: { profileDir?: string },
) {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  let databaseUrl = path.join(work, 'korrigo.sqlite');
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>> = null;
  if (engine === 'postgres') {
    pgDb = await createPgDatabase('scale');
    if (!pgDb) {
      report.note('PostgreSQL not reachable (KORRIGO_BENCH_PG_URL): scale figures on PostgreSQL skipped');
      return;
    }
    databaseUrl = pgDb.url;
  }
  const ctx = await openContext(work, databaseUrl);
  try {
    const seeded = performance.now();
    const [admin] = await seedUsers(ctx, 'admin', 1, 'ADMIN');
    const teachers = await seedUsers(ctx, 'teacher', TEACHERS, 'TEACHER');
    const exam = await seedExam(ctx, admin!.actor, teachers.map((t) => t.actor), PAGES);
    const students = await seedStudents(ctx, admin!.actor);
    const leaves = (exam.questions as Array<{ id: string; maxPoints: number; isLeaf: boolean }>).filter((q) => q.isLeaf);
    const taken = new Set<string>();
    const specs: CopySpec[] = Array.from({ length: COPIES }, (_, i) => {
      const status = STATUS_BY_DECILE[i % 10]!;
      const teacher = teachers[Math.floor(i / 10) % TEACHERS]!.actor.id;
      const graded = status === 'LOCKED' || status === 'GRADED';
      const scores = graded ? leaves.map((q, k) => ({ questionId: q.id, maxPoints: q.maxPoints, points: Math.round((q.maxPoints * ((i * 7 + k * 13) % 11)) / 10) })) : [];
      return {
        code: newAnonymousCode(taken),
        status,
        assignedTo: status === 'STAGING' ? null : teacher,
        studentId: i % 5 === 0 ? null : students[i]!,
        pages: pageFiles.slice(i * PAGES, (i + 1) * PAGES),
        submitter: graded ? teacher : undefined,
        scores,
        final: status === 'GRADED' ? { file: finalFiles[i]!, score: scores.reduce((n, s) => n + s.points, 0) } : undefined,
      };
    });
    await seedCopies(ctx, exam.id, specs);
    console.log(`Scale on ${label}: ${COPIES} copies × ${PAGES} pages seeded in ${fmt((performance.now() - seeded) / 1000)} s`);

    const server = await startServer({ dataDir: work, databaseUrl, profileDir: opts.profileDir });
    try {
      const base = `/api/v1/exams/${exam.id}`;
      const probes: Array<{ figure: string; path: string; cookie: string; target: boolean; samples: number }> = [
        { figure: 'list ?status=READY&limit=100 (admin)', path: `${base}/copies?status=READY&limit=100`, cookie: admin!.cookie, target: true, samples: SAMPLES },
        { figure: 'list ?status=GRADED&limit=100 (admin)', path: `${base}/copies?status=GRADED&limit=100`, cookie: admin!.cookie, target: true, samples: SAMPLES },
        { figure: 'list ?limit=100, no filter (admin)', path: `${base}/copies?limit=100`, cookie: admin!.cookie, target: true, samples: SAMPLES },
        { figure: 'list ?limit=100 (a teacher, 1/10 assigned)', path: `${base}/copies?limit=100`, cookie: teachers[0]!.cookie, target: true, samples: SAMPLES },
        { figure: 'GET /exams/:id/stats (admin)', path: `${base}/stats`, cookie: admin!.cookie, target: false, samples: SAMPLES / 2 },
      ];
      for (const probe of probes) {
        const check = await fetch(`${server.url}${probe.path}`, { headers: { cookie: probe.cookie } });
        const body = (await check.json()) as { items?: unknown[]; detail?: string };
        if (check.status === 404 && String(body.detail ?? '').startsWith('No route')) {
          report.note(`scale on ${label}: ${probe.figure} skipped, the route does not exist yet`);
          continue;
        }
        if (check.status !== 200) throw new Error(`${probe.path}: ${check.status} ${JSON.stringify(body).slice(0, 300)}`);
        if (probe.target && body.items?.length !== 100) throw new Error(`${probe.path} returned ${body.items?.length} items, expected 100`);
        const request = { url: server.url, connections: 1, requests: [{ method: 'GET', path: probe.path, headers: { cookie: probe.cookie } }] };
        await runLoad({ ...request, amount: WARMUP });
        const cpuBefore = readCpuSeconds(server.pid);
        const r = await runLoad({ ...request, amount: probe.samples });
        const cpuMs = ((readCpuSeconds(server.pid) - cpuBefore) * 1000) / r.completed;
        const failed = r.non2xx + r.errors + r.timeouts;
        report.add({
          bench: `Scale ${label}`,
          figure: `${probe.figure}: p50 / p95 ms`,
          korrigo: `${fmt(r.p50, 1)} / ${fmt(r.p95, 1)} ms${failed ? ` (${failed} failed)` : ''} (server CPU ${fmt(cpuMs, 1)} ms/request)`,
          target: probe.target ? 'p95 < 50 ms' : undefined,
          met: probe.target ? r.p95 < 50 && failed === 0 : undefined,
        });
      }
    } finally {
      await server.stop();
    }
  } finally {
    await ctx.db.destroy();
    await pgDb?.drop();
  }
}

/** A roster of one student per copy, imported through the roster service as an exam office would. */
async function seedStudents(ctx: Awaited<ReturnType<typeof openContext>>, admin: Actor): Promise<string[]> {
  const numbers = Array.from({ length: COPIES }, (_, i) => `B${String(i).padStart(6, '0')}`);
  const csv = ['student_number;last_name;first_name;email;class_name', ...numbers.map((n, i) => `${n};Élève${i};Prénom${i};${n.toLowerCase()}@eleves.test;T${(i % 8) + 1}`)].join('\n');
  await importRoster(ctx, admin, Buffer.from(csv, 'utf8'));
  const byNumber = new Map((await studentsByNumbers(ctx.db, numbers)).map((s) => [s.student_number, s]));
  return numbers.map((n) => {
    const s = byNumber.get(n);
    if (!s) throw new Error(`student ${n} was not imported`);
    return s.id;
  });
}
