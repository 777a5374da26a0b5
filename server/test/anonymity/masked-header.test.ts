/**
 * Anonymity on the image (DESIGN.md §9, issue 14 situation 3). On a real scan whose first pages carry the students'
 * handwritten names: a corrector of an anonymous exam gets the header page with the header crop filled — and only
 * that area changed —, admins and the owning student the original bytes; the corrector's final PDF is built from the
 * masked page without the name; every route a corrector can call is swept for the name and the original bytes; and
 * anonymity can be switched until grading starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { clientFor, createTestEnv, engine, leafIds, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { ingest, runJobs, sha256 } from '../pipeline/helpers.ts';
import { makeStudents, studentClients } from '../workflow/helpers.ts';
import { decodeJpeg, isDark, meanColour, pdfPageText, renderPdfPage, type Pixels } from '../pdf/pixels.ts';
import { buildApp } from '../../src/http/app.ts';
import { createContext } from '../../src/context.ts';
import { makeScanPdf } from '../../src/pdf/synthetic-scan.ts';
import { HEADER_CROP } from '../../src/services/identification.service.ts';
import { newId } from '../../src/ids.ts';

const a = '/api/v1';
const NAME = { number: 'Q4242', last: 'Quintard', first: 'Zélie' };
const OTHER = { number: 'V1717', last: 'Vallée', first: 'Marc' };
/** The header crop's bottom edge, in pixels of a 150 dpi A4 page, plus a JPEG block of slack for re-encoding ringing. */
const EDGE_SLACK = 16 / 1754;

/**
 * One pass over two decodings of a page: in `rect` (fractions), the original's ink and how far the other image is from
 * the mask's fill; outside it, how far the two differ. A band of `slack` around the rect's bottom edge is left out
 * (the JPEG blocks straddling it mix both sides).
 */
function compareRegions(orig: Pixels, other: Pixels, rect: typeof HEADER_CROP, slack: number) {
  const out = { insideInk: 0, insideMaxFromFill: 0, outsideSum: 0, outsideN: 0, outsideMax: 0 };
  const fill = [200, 200, 204];
  for (let y = 0; y < orig.height; y++) {
    const fy = (y + 0.5) / orig.height;
    if (fy > rect.y + rect.h - slack && fy < rect.y + rect.h + slack) continue;
    for (let x = 0; x < orig.width; x++) {
      const fx = (x + 0.5) / orig.width;
      const i = (y * orig.width + x) * 4;
      if (fx >= rect.x && fx <= rect.x + rect.w && fy >= rect.y && fy <= rect.y + rect.h) {
        if (isDark([orig.data[i]!, orig.data[i + 1]!, orig.data[i + 2]!])) out.insideInk++;
        for (let c = 0; c < 3; c++) out.insideMaxFromFill = Math.max(out.insideMaxFromFill, Math.abs(other.data[i + c]! - fill[c]!));
      } else {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(orig.data[i + c]! - other.data[i + c]!);
          out.outsideSum += d;
          out.outsideN++;
          out.outsideMax = Math.max(out.outsideMax, d);
        }
      }
    }
  }
  return out;
}

/** Dark pixels of a rendering inside `rect`. */
function inkIn(p: Pixels, rect: typeof HEADER_CROP) {
  let n = 0;
  for (let y = Math.floor(rect.y * p.height); y < Math.floor((rect.y + rect.h) * p.height); y++) {
    for (let x = Math.floor(rect.x * p.width); x < Math.floor((rect.x + rect.w) * p.width); x++) {
      const i = (y * p.width + x) * 4;
      if (isDark([p.data[i]!, p.data[i + 1]!, p.data[i + 2]!])) n++;
    }
  }
  return n;
}

describe(`anonymity on the image [${engine}]`, () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  let admin: Client;
  let teacher: Client;
  let student: Client;
  let examId: string;
  /** [Quintard's copy, Vallée's copy] */
  let copyIds: [string, string];
  let studentIds: string[];
  /** the original header page of each copy, as the scan holds it */
  const originals = new Map<string, Buffer>();

  const as = (c: Client) => clientFor(app, c.cookie, c.user);
  const image = (c: Client, copyId: string, position = 0) => as(c).req('GET', `${a}/copies/${copyId}/pages/${position}/image`);
  const maskRows = async () => env.ctx.db.selectFrom('masked_pages').selectAll().execute();

  beforeAll(async () => {
    env = await createTestEnv();
    app = await buildApp(env.ctx, { onRoute: (r) => routes.push(r) });
    await app.ready();
    admin = await makeUser(env, 'ADMIN');
    teacher = await makeUser(env, 'TEACHER', 'corrector-anon');
    const roster = await makeStudents(admin, [[NAME.number, NAME.last, NAME.first, '3B'], [OTHER.number, OTHER.last, OTHER.first, '3B']]);
    studentIds = [roster.get(NAME.number)!.id, roster.get(OTHER.number)!.id];
    student = (await studentClients(env, admin, [studentIds[0]!]))[0]!;
    const exam = await makeExam(admin, [teacher], { pagesPerCopy: 2 });
    examId = exam.id;
    const scan = await makeScanPdf({ pages: 4, pagesPerCopy: 2, names: [`${NAME.first} ${NAME.last}`, `${OTHER.first} ${OTHER.last}`] });
    const up = await ingest(env, admin, examId, scan);
    expect(up.status).toBe('DONE');
    copyIds = up.copyIds as [string, string];
    for (const [i, copyId] of copyIds.entries()) {
      expect((await admin.req('POST', `${a}/copies/${copyId}/identify`, { studentId: studentIds[i] })).status).toBe(200);
      const original = await admin.req('GET', `${a}/copies/${copyId}/pages/0/image`);
      expect(original.status).toBe(200);
      originals.set(copyId, original.raw);
    }
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('the exam is anonymous by default and validating a copy queues the masking of its header page', async () => {
    expect((await admin.req('GET', `${a}/exams/${examId}`)).body.exam.anonymous).toBe(true);
    for (const copyId of copyIds) expect((await admin.req('POST', `${a}/copies/${copyId}/validate`)).status).toBe(200);
    const jobs = await env.ctx.db.selectFrom('jobs').select(['ref_id']).where('kind', '=', 'MASK_HEADER').execute();
    expect(jobs.map((j) => j.ref_id).sort()).toEqual([...copyIds].sort());
    expect(await maskRows()).toEqual([]);
  });

  it('before its job ran, 8 simultaneous corrector requests get one mask, made once and stored once', async () => {
    const copyId = copyIds[1];
    const got = await parallel(8, () => image(teacher, copyId));
    expect(got.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(got.map((r) => sha256(r.raw))).size).toBe(1);
    expect(sha256(got[0]!.raw)).not.toBe(sha256(originals.get(copyId)!));
    const rows = await maskRows();
    expect(rows).toHaveLength(1);
    // the queued jobs then make the other copy's mask and leave this one as it is (idempotent)
    await runJobs(env);
    const after = await maskRows();
    expect(after).toHaveLength(2);
    expect(after.find((r) => r.blob_id === rows[0]!.blob_id)).toBeTruthy();
    expect(sha256((await image(teacher, copyId)).raw)).toBe(sha256(got[0]!.raw));
  });

  it('the corrector’s header page differs from the original exactly in the header crop, which is filled', async () => {
    for (const copyId of copyIds) {
      const served = await image(teacher, copyId);
      expect(served.headers['content-type']).toBe('image/jpeg');
      // the bytes depend on who asks: a shared browser must revalidate, never reuse another viewer's copy
      expect(served.headers['cache-control']).toBe('private, no-cache');
      const [orig, masked] = [await decodeJpeg(originals.get(copyId)!), await decodeJpeg(served.raw)];
      expect([masked.width, masked.height]).toEqual([orig.width, orig.height]);

      const cmp = compareRegions(orig, masked, HEADER_CROP, EDGE_SLACK);
      expect(cmp.insideInk, 'the name is in the original header').toBeGreaterThan(200);
      // inside: every pixel is the fill (JPEG keeps a flat area within a few levels)
      expect(cmp.insideMaxFromFill).toBeLessThanOrEqual(6);
      // outside: the page is the original, re-encoded (no drawing, no shift): tiny mean and bounded worst difference
      expect(cmp.outsideSum / cmp.outsideN).toBeLessThan(2.5);
      expect(cmp.outsideMax).toBeLessThan(48);
      // and the band just below the crop is the page, not the fill
      expect(meanColour(masked, 0.1, HEADER_CROP.h + 0.02, 0.8, 0.02)).not.toEqual(meanColour(masked, 0.1, 0.1, 0.8, 0.02));
    }
  });

  it('admins get the original bytes of every page; the corrector gets the original of every page but the header page', async () => {
    for (const copyId of copyIds) {
      expect(sha256((await image(admin, copyId)).raw)).toBe(sha256(originals.get(copyId)!));
      const second = [await image(admin, copyId, 1), await image(teacher, copyId, 1)];
      expect(second.map((r) => r.status)).toEqual([200, 200]);
      expect(sha256(second[1]!.raw)).toBe(sha256(second[0]!.raw));
      expect(second[1]!.headers['cache-control']).toContain('immutable');
    }
  });

  it('after grading and release: the student gets the original page and PDF with their name, the corrector a masked PDF without it', async () => {
    const copyId = copyIds[0];
    const leaves = leafIds((await admin.req('GET', `${a}/exams/${examId}`)).body.exam);
    const lock = await as(teacher).req('POST', `${a}/copies/${copyId}/lock`);
    const token = { 'x-lock-token': lock.body.token };
    for (const q of leaves) expect((await as(teacher).req('PUT', `${a}/copies/${copyId}/scores/${q}`, { points: 100 }, token)).status).toBe(200);
    expect((await as(teacher).req('POST', `${a}/copies/${copyId}/finalize`, undefined, token)).status).toBe(202);
    await runJobs(env);
    expect((await admin.req('POST', `${a}/exams/${examId}/release`)).status).toBe(200);

    const original = originals.get(copyId)!;
    expect(sha256((await image(student, copyId)).raw)).toBe(sha256(original));
    const [own, corrector, adminPdf] = [await as(student).req('GET', `${a}/copies/${copyId}/final.pdf`), await as(teacher).req('GET', `${a}/copies/${copyId}/final.pdf`), await admin.req('GET', `${a}/copies/${copyId}/final.pdf`)];
    expect([own.status, corrector.status, adminPdf.status]).toEqual([200, 200, 200]);
    expect(sha256(own.raw)).toBe(sha256(adminPdf.raw));
    // pdf-lib embeds a JPEG as is: the original header page is inside the student's PDF and absent from the corrector's
    expect(own.raw.includes(original)).toBe(true);
    expect(corrector.raw.includes(original)).toBe(false);
    expect(corrector.raw.includes((await image(teacher, copyId)).raw)).toBe(true);
    const pages = 3; // two scanned pages and the summary
    expect(await pdfPageText(new Uint8Array(own.raw), pages - 1)).toContain(NAME.last);
    const summary = await pdfPageText(new Uint8Array(corrector.raw), pages - 1);
    expect(summary).not.toContain(NAME.last);
    expect(summary).toContain('Total');
    const [ownPage, correctorPage] = [await renderPdfPage(new Uint8Array(own.raw), 0), await renderPdfPage(new Uint8Array(corrector.raw), 0)];
    expect(inkIn(ownPage, HEADER_CROP)).toBeGreaterThan(50);
    expect(inkIn(correctorPage, HEADER_CROP)).toBe(0);
    // the variant is stored once and served again
    const again = await as(teacher).req('GET', `${a}/copies/${copyId}/final.pdf`);
    expect(sha256(again.raw)).toBe(sha256(corrector.raw));
    expect(await env.ctx.db.selectFrom('masked_final_pdfs').selectAll().execute()).toHaveLength(1);
  });

  it('no route a corrector can call gives them the name, the student ids or the original header bytes', async () => {
    const q = leafIds((await admin.req('GET', `${a}/exams/${examId}`)).body.exam)[0]!;
    const rg = await as(student).req('POST', `${a}/copies/${copyIds[0]}/regrade-requests`, { questionId: q, message: 'Could you look again?' });
    expect(rg.status).toBe(201);
    const studentUser = student.user;
    const secrets = [NAME.last, NAME.first, NAME.number, OTHER.last, OTHER.number, ...studentIds, studentUser.id, studentUser.displayName, studentUser.email];
    const originalSlices = [...originals.values()].map((b) => b.subarray(Math.floor(b.length / 2), Math.floor(b.length / 2) + 4096));

    // what a corrector's client sends on each route it may use; any other route is called with the ids filled in
    const [graded, ready] = copyIds;
    const lease = async () => {
      const r = await as(teacher).req('POST', `${a}/copies/${ready}/lock`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return { 'x-lock-token': r.body.token as string };
    };
    const known: Record<string, () => Promise<{ url: string; body?: unknown; headers?: Record<string, string> }>> = {
      'GET /api/v1/copies/:id/pages/:position/image': async () => ({ url: `${a}/copies/${ready}/pages/0/image` }),
      'POST /api/v1/copies/:id/annotations': async () => ({ url: `${a}/copies/${ready}/annotations`, body: { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }, headers: await lease() }),
      'PUT /api/v1/copies/:id/draft': async () => ({ url: `${a}/copies/${ready}/draft`, body: { payload: { n: 1 }, baseVersion: 0, clientId: 'tab' }, headers: await lease() }),
      'GET /api/v1/copies/:id/draft': async () => ({ url: `${a}/copies/${ready}/draft`, headers: await lease() }),
      'POST /api/v1/copies/:id/lock/heartbeat': async () => ({ url: `${a}/copies/${ready}/lock/heartbeat`, headers: await lease() }),
      'PUT /api/v1/copies/:id/scores/:questionId': async () => ({ url: `${a}/copies/${ready}/scores/${q}`, body: { points: 50 }, headers: await lease() }),
      'POST /api/v1/regrade-requests/:id/answer': async () => ({ url: `${a}/regrade-requests/${rg.body.regradeRequest.id}/answer`, body: { message: 'The mark stands.' } }),
    };
    // routes about the caller's own session and password: they carry nothing of a copy
    const skipped = new Set(['POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'POST /api/v1/auth/change-password']);
    const fill = (url: string) =>
      url
        .replace(/\/exams\/:id/, `/exams/${examId}`)
        .replace(/\/copies\/:id/, `/copies/${graded}`)
        .replace(':position', '0')
        .replace(':questionId', q)
        .replace(/:\w+/g, newId())
        .replace('*', 'index.html');
    const keys = [...new Set(routes.flatMap((r) => [r.method].flat().filter((m) => m !== 'HEAD').map((m) => `${m} ${r.url}`)))].sort();
    expect(keys.length).toBeGreaterThan(40);
    const reached: string[] = [];
    for (const key of keys) {
      if (skipped.has(key)) continue;
      const [method, url] = key.split(' ') as [string, string];
      const r = known[key] ? await known[key]() : { url: fill(url) };
      const res = await as(teacher).req(method, r.url, r.body, r.headers);
      if (res.status < 300) reached.push(key);
      const text = res.raw.toString('utf8');
      for (const s of secrets) expect(text.includes(s), `${key} (${res.status}) names the student: ${s}`).toBe(false);
      for (const slice of originalSlices) expect(res.raw.includes(slice), `${key} (${res.status}) carries the original header page`).toBe(false);
    }
    // the sweep reached what a corrector works with (not just refusals)
    for (const k of ['GET /api/v1/copies/:id', 'GET /api/v1/copies/:id/pages/:position/image', 'GET /api/v1/copies/:id/final.pdf', 'GET /api/v1/copies/:id/events', 'GET /api/v1/exams/:id/copies', 'GET /api/v1/exams/:id/regrade-requests', 'GET /api/v1/exams/:id/stats']) {
      expect(reached, k).toContain(k);
    }
    // the same sweep as an admin does see the name (the check looks at the right thing)
    expect((await admin.req('GET', `${a}/copies/${graded}`)).raw.toString()).toContain(NAME.last);
    expect((await admin.req('GET', `${a}/copies/${graded}/events`)).raw.toString()).toContain(studentUser.displayName);
  });

  it('a header page turned upside down is masked where its header now shows, and the turn drops the mask made before it', async () => {
    const copyId = copyIds[1];
    // the stored mask, decoded as stored (the scan's orientation: the turn is only applied when serving)
    const storedMask = async () => {
      const row = await env.ctx.db
        .selectFrom('masked_pages')
        .innerJoin('pages', 'pages.id', 'masked_pages.page_id')
        .innerJoin('blobs', 'blobs.id', 'masked_pages.blob_id')
        .select('blobs.storage_key')
        .where('pages.copy_id', '=', copyId)
        .where('pages.position', '=', 0)
        .executeTakeFirst();
      return row && decodeJpeg(await env.ctx.blobs.read(row.storage_key));
    };
    expect((await image(teacher, copyId)).status).toBe(200);
    expect(await storedMask()).toBeTruthy();
    await admin.req('DELETE', `${a}/copies/${copyId}/lock`); // a lease the route sweep may have left
    const version = (await admin.req('GET', `${a}/copies/${copyId}`)).body.rowVersion;
    expect((await admin.req('POST', `${a}/copies/${copyId}/pages/0/rotate`, { version, by: 180 })).status).toBe(200);
    expect(await storedMask(), 'the mask of the upright page is dropped with the turn').toBeUndefined();

    expect((await image(teacher, copyId)).status).toBe(200);
    const masked = (await storedMask())!;
    const shownTop = { x: 0, y: 1 - HEADER_CROP.h + EDGE_SLACK, w: 1, h: HEADER_CROP.h - EDGE_SLACK };
    // what the corrector sees at the top of the turned page is the scan's bottom: filled
    expect(compareRegions(await decodeJpeg(originals.get(copyId)!), masked, shownTop, 0).insideMaxFromFill).toBeLessThanOrEqual(6);
    // and the scan's top, now shown at the bottom, is the page again (the name is there, as the admin's turn says)
    expect(inkIn(masked, HEADER_CROP)).toBeGreaterThan(200);
  });
});

describe(`switching anonymity in the Scale tab [${engine}]`, () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('two API processes masking the same page at once store one mask; the other one’s blob row is rolled back', async () => {
    const admin = await makeUser(env, 'ADMIN');
    const teacher = await makeUser(env, 'TEACHER');
    const exam = await makeExam(admin, [teacher]);
    const copyId = await makeCopy(env, exam.id);
    const ctx2 = await createContext(env.ctx.config, { clock: env.clock });
    const app2 = await buildApp(ctx2);
    await app2.ready();
    try {
      const blobs = async () => Number((await env.ctx.db.selectFrom('blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const before = await blobs();
      const other = clientFor(app2, teacher.cookie, teacher.user);
      const got = await parallel(6, (i) => (i % 2 ? other : teacher).req('GET', `${a}/copies/${copyId}/pages/0/image`));
      expect(got.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect(new Set(got.map((r) => sha256(r.raw))).size).toBe(1);
      const masks = await env.ctx.db.selectFrom('masked_pages').innerJoin('pages', 'pages.id', 'masked_pages.page_id').select('pages.position').where('pages.copy_id', '=', copyId).execute();
      expect(masks).toEqual([{ position: 0 }]);
      expect(await blobs()).toBe(before + 1);
    } finally {
      await app2.close();
      await ctx2.db.destroy();
    }
  });

  it('can switch either way until grading starts, masks existing copies when switched on, and refuses with 409 GRADING_STARTED after', async () => {
    const admin = await makeUser(env, 'ADMIN');
    const teacher = await makeUser(env, 'TEACHER');
    const exam = await makeExam(admin, [teacher], { anonymous: false });
    const copyId = await makeCopy(env, exam.id);
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    const url = `${a}/copies/${copyId}/pages/0/image`;
    const original = (await admin.req('GET', url)).raw;
    expect(sha256((await teacher.req('GET', url)).raw)).toBe(sha256(original));
    const patch = (body: Record<string, unknown>) => admin.req('PATCH', `${a}/exams/${exam.id}`, body);

    expect((await patch({ anonymous: true })).status).toBe(200);
    const jobs = await env.ctx.db.selectFrom('jobs').select('ref_id').where('kind', '=', 'MASK_HEADER').execute();
    expect(jobs.map((j) => j.ref_id), 'existing READY copies are queued; STAGING ones when validated').toEqual([copyId]);
    await runJobs(env);
    const masksOfCopy = () => env.ctx.db.selectFrom('masked_pages').innerJoin('pages', 'pages.id', 'masked_pages.page_id').select('pages.position').where('pages.copy_id', '=', copyId).execute();
    expect(await masksOfCopy()).toEqual([{ position: 0 }]);
    const masked = (await teacher.req('GET', url)).raw;
    expect(sha256(masked)).not.toBe(sha256(original));
    expect((await admin.req('POST', `${a}/copies/${staging}/validate`)).status).toBe(200);
    expect(await env.ctx.db.selectFrom('jobs').select('ref_id').where('kind', '=', 'MASK_HEADER').where('ref_id', '=', staging).execute()).toHaveLength(1);

    expect((await patch({ anonymous: false })).status).toBe(200);
    expect(sha256((await teacher.req('GET', url)).raw)).toBe(sha256(original));
    expect((await patch({ anonymous: true })).status).toBe(200);
    expect(sha256((await teacher.req('GET', url)).raw)).toBe(sha256(masked));

    // opening a copy (the edit lease) is where grading starts
    const lock = await teacher.req('POST', `${a}/copies/${copyId}/lock`);
    expect(lock.status).toBe(200);
    const refused = await patch({ anonymous: false, title: 'Renamed while refused' });
    expect([refused.status, refused.body.code]).toEqual([409, 'GRADING_STARTED']);
    const now = (await admin.req('GET', `${a}/exams/${exam.id}`)).body.exam;
    expect(now.anonymous).toBe(true);
    expect(now.title, 'a refused change writes nothing').not.toBe('Renamed while refused');
    // saving the Scale tab with anonymity unchanged still works
    expect((await patch({ anonymous: true, title: 'Renamed' })).status).toBe(200);

    // a score stays a started grading after the lease is given back
    const q = leafIds(exam)[0]!;
    expect((await teacher.req('PUT', `${a}/copies/${copyId}/scores/${q}`, { points: 10 }, { 'x-lock-token': lock.body.token })).status).toBe(200);
    expect((await teacher.req('DELETE', `${a}/copies/${copyId}/lock`, undefined, { 'x-lock-token': lock.body.token })).status).toBe(204);
    const again = await patch({ anonymous: false });
    expect([again.status, again.body.code]).toEqual([409, 'GRADING_STARTED']);
  });
});
