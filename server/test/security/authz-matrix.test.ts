/**
 * The authorization matrix, generated from the registered route table: every route × every kind of caller, on
 * objects of an exam the caller has (or has not) a part in, → the exact expected status. The route list comes from
 * Fastify's onRoute hook, so a route added without an entry here fails the first test.
 *
 * Callers: `teacher` corrects exam X and `otherTeacher` exam Y; `owner` is the teacher who owns exam X (the admin's
 * rights on X only; Y has an owner of its own); `student` owns the graded copy of X (released), `otherStudent` owns
 * the one of Y. Every request targets X's objects, except `foreignTeacher` and `foreignOwner`: the teacher and the
 * owner of X on the same route with Y's objects (a teacher owning exam A trying exam B). Rules the table encodes: anonymous → 401; a role that never may → 403; a teacher
 * on an exam they do not correct, or a student on a copy that is not their own released result → 404 (existence is
 * not leaked); allowed callers reach the operation (2xx, or the operation's own 4xx/409 where the fixture makes it so).
 * HEAD routes are Fastify's automatic twins of the GET routes (same handler) and are not listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { clientFor, createTestEnv, engine, leafIds, login, makeCopy, makeExam, type Client, type TestEnv } from '../helpers/harness.ts';
import { buildApp } from '../../src/http/app.ts';
import { createUser } from '../../src/services/auth.service.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { newId } from '../../src/ids.ts';
import { gradeCopy } from '../workflow/helpers.ts';

const WHO = ['anonymous', 'student', 'otherStudent', 'teacher', 'otherTeacher', 'foreignTeacher', 'owner', 'foreignOwner', 'admin'] as const;
type Who = (typeof WHO)[number];
const PASSWORD = 'correct horse battery';

interface Side {
  examId: string;
  q0: string;
  q1: string;
  /** the third leaf question (Exercice 2) */
  q2: string;
  ready: string;
  graded: string;
  locked: string;
  staging: string;
  staging2: string;
  /** a STAGING copy already linked to a student */
  identified: string;
  correctorId: string;
  annotationId: string;
  regradeId: string;
  uploadId: string;
  /** a rubric item of q0, made by the admin */
  rubricItemId: string;
}
interface World {
  side: Side;
  /** a student without an account, a teacher to edit: targets of admin routes */
  spareStudentId: string;
  spareTeacherId: string;
  /** ids of the students rows of the graded copies' owners */
  studentIds: string[];
}
interface Req {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Entry {
  /** builds the request; may first act as the caller (take the edit lease, save a draft) like a real client */
  req: (w: World, as: Client | null) => Promise<Req> | Req;
  expect: Partial<Record<Who, number>> & { default?: number };
  /** log in afresh for this route (it ends or changes the caller's session) */
  freshSession?: boolean;
  /** its successes change nothing of the exams' objects (users, roster, sessions): no rebuild needed after it */
  sideEffectsElsewhere?: boolean;
  /** what a 2xx body may (not) contain for this caller: returns the problem, or null */
  check?: (w: World, who: Who, body: string) => string | null;
}

/** Teachers grade anonymously: no student name or id in what they receive. Everyone else sees only their own; an exam's owner identifies its copies, so sees names. */
const noIdentityForTeachers = (w: World, who: Who, body: string) =>
  (who === 'teacher' || who === 'foreignTeacher') && (body.includes(STUDENT_LAST_NAME) || w.studentIds.some((id) => body.includes(id)))
    ? 'a teacher received the identity of a student'
    : null;
const STUDENT_LAST_NAME = 'Durand-Matrix';

// ------------------------------------------------------------------ expectation shorthands

const ROLE_DENIED = { anonymous: 401, student: 403, otherStudent: 403, teacher: 403, otherTeacher: 403, foreignTeacher: 403, owner: 403, foreignOwner: 403 };
/** admin-only routes (the school's users and roster): the role check comes first, every non-admin gets 403 */
const adminOnly = (ok: number) => ({ ...ROLE_DENIED, admin: ok });
/**
 * running an exam: admins and the exam's owner. The exam's corrector knows it exists (403); a teacher with no part
 * in it, the owner of another exam included, gets 404
 */
const examManagers = (ok: number) => ({ ...ROLE_DENIED, otherTeacher: 404, foreignTeacher: 404, foreignOwner: 404, owner: ok, admin: ok });
/** the same on a copy the exam's corrector cannot see (a copy in STAGING): 404 for them too */
const hiddenCopyManagers = (ok: number) => ({ ...examManagers(ok), teacher: 404 });
/** exam-level routes for admins, the exam's owner and its correctors; other teachers 404, students 403 */
const examStaff = (ok: number, student = 403) => ({ anonymous: 401, student, otherStudent: student, teacher: ok, otherTeacher: 404, foreignTeacher: 404, owner: ok, foreignOwner: 404, admin: ok });
/** copy-level routes for admins, the exam's owner and the correctors of the copy's exam; students are refused by role (403) */
const copyStaff = (ok: number) => ({ anonymous: 401, student: 403, otherStudent: 403, teacher: ok, otherTeacher: 404, foreignTeacher: 404, owner: ok, foreignOwner: 404, admin: ok });
/**
 * writes under the edit lease: the lease is checked first, so a teacher who cannot hold it gets 409 LOCK_REQUIRED
 * whatever the copy — the same answer for a copy that does not exist (tested below), so nothing leaks
 */
const leaseWrite = (ok: number) => ({ anonymous: 401, student: 403, otherStudent: 403, teacher: ok, otherTeacher: 409, foreignTeacher: 409, owner: ok, foreignOwner: 409, admin: ok });
/** reading a student's released result: the student, the exam's staff */
const resultReaders = (ok: number) => ({ anonymous: 401, student: ok, otherStudent: 404, teacher: ok, otherTeacher: 404, foreignTeacher: 404, owner: ok, foreignOwner: 404, admin: ok });
const anyUser = (ok: number) => ({ anonymous: 401, default: ok });
const everyone = (ok: number) => ({ default: ok });

/** Takes the edit lease as the caller; returns the X-Lock-Token header (none if refused). */
async function leaseOf(as: Client | null, copyId: string): Promise<Record<string, string>> {
  if (!as) return {};
  const r = await as.req('POST', `/api/v1/copies/${copyId}/lock`);
  return r.status === 200 ? { 'x-lock-token': r.body.token } : {};
}

const a = '/api/v1';
/** successful non-GET requests that are not administrative changes: sessions, lease keep-alive, autosave */
const NOT_ADMIN_ACTIONS = new Set([
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  'POST /api/v1/copies/:id/lock/heartbeat',
  'PUT /api/v1/copies/:id/draft',
  // a dry run of a rubric item edit: it shows the effect and changes nothing
  'POST /api/v1/rubric-items/:id/preview',
]);
const TABLE: Record<string, Entry> = {
  // ---------------------------------------------------------------- public: docs and operations
  'GET /api/docs/': { req: () => ({ url: '/api/docs/' }), expect: everyone(200) },
  'GET /api/docs/static/index.html': { req: () => ({ url: '/api/docs/static/index.html' }), expect: everyone(302) },
  'GET /api/docs/static/swagger-initializer.js': { req: () => ({ url: '/api/docs/static/swagger-initializer.js' }), expect: everyone(200) },
  'GET /api/docs/json': { req: () => ({ url: '/api/docs/json' }), expect: everyone(200) },
  'GET /api/docs/yaml': { req: () => ({ url: '/api/docs/yaml' }), expect: everyone(200) },
  'GET /api/docs/static/*': { req: () => ({ url: '/api/docs/static/swagger-ui.css' }), expect: everyone(200) },
  'GET /api/openapi.json': { req: () => ({ url: '/api/openapi.json' }), expect: everyone(200) },
  'GET /healthz': { req: () => ({ url: '/healthz' }), expect: everyone(200) },
  'GET /readyz': { req: () => ({ url: '/readyz' }), expect: everyone(200) },
  'GET /metrics': { req: () => ({ url: '/metrics' }), expect: everyone(200) },

  // ---------------------------------------------------------------- auth and users
  'POST /api/v1/auth/login': { req: () => ({ url: `${a}/auth/login`, body: { email: 'login.target@school.test', password: PASSWORD } }), sideEffectsElsewhere: true, expect: everyone(200), freshSession: true },
  'POST /api/v1/auth/logout': { req: () => ({ url: `${a}/auth/logout` }), sideEffectsElsewhere: true, expect: anyUser(204), freshSession: true },
  'GET /api/v1/auth/me': { req: () => ({ url: `${a}/auth/me` }), expect: anyUser(200) },
  'POST /api/v1/auth/change-password': {
    // the wrong current password: proves the route is reached without changing anyone's password
    req: () => ({ url: `${a}/auth/change-password`, body: { currentPassword: 'not the password', newPassword: 'another long password' } }),
    expect: anyUser(400),
  },
  'POST /api/v1/users': {
    req: () => ({ url: `${a}/users`, body: { email: `new-${newId().slice(0, 8)}@school.test`, displayName: 'New', role: 'TEACHER', password: PASSWORD } }),
    sideEffectsElsewhere: true,
    expect: adminOnly(201),
  },
  'GET /api/v1/users': { req: () => ({ url: `${a}/users` }), expect: adminOnly(200) },
  'PATCH /api/v1/users/:id': { req: (w) => ({ url: `${a}/users/${w.spareTeacherId}`, body: { displayName: 'Renamed' } }), sideEffectsElsewhere: true, expect: adminOnly(200) },
  'GET /api/v1/audit': { req: () => ({ url: `${a}/audit` }), expect: adminOnly(200) },

  // ---------------------------------------------------------------- students
  'POST /api/v1/students/import': {
    req: () => ({ url: `${a}/students/import`, body: `student_number;last_name;first_name\nM${newId().slice(0, 6)};Martin;Léa\n`, headers: { 'content-type': 'text/csv' } }),
    sideEffectsElsewhere: true,
    expect: adminOnly(200),
  },
  'GET /api/v1/students': { req: () => ({ url: `${a}/students` }), expect: adminOnly(200) },
  'POST /api/v1/students/provision': { req: (w) => ({ url: `${a}/students/provision`, body: { studentIds: [w.spareStudentId] } }), sideEffectsElsewhere: true, expect: adminOnly(200) },

  // ---------------------------------------------------------------- exams
  // any teacher may create an exam, and then owns it
  'POST /api/v1/exams': {
    req: () => ({ url: `${a}/exams`, body: { title: 'New exam', pagesPerCopy: 1, questions: [{ label: 'Q', maxPoints: 100 }] } }),
    sideEffectsElsewhere: true,
    expect: { anonymous: 401, student: 403, otherStudent: 403, default: 201 },
    check: (_w, who, body) => {
      const owner = (JSON.parse(body) as { exam: { owner: { id: string } | null } }).exam.owner;
      return (who === 'admin') === (owner === null) ? null : 'a teacher creating an exam must own it, an admin not';
    },
  },
  'GET /api/v1/exams': {
    req: () => ({ url: `${a}/exams?archived=all` }),
    expect: { ...examStaff(200), otherTeacher: 200, foreignTeacher: 200, foreignOwner: 200 },
    // a list is not object-scoped: each teacher sees exactly the exams they correct or own
    check: (w, who, body) => {
      const has = body.includes(w.side.examId);
      if (who === 'teacher' || who === 'owner' || who === 'admin') return has ? null : 'own exam missing from the list';
      return has ? 'a teacher sees an exam they neither correct nor own' : null;
    },
  },
  'GET /api/v1/exams/:id': { req: (w) => ({ url: `${a}/exams/${w.side.examId}` }), expect: examStaff(200) },
  'PATCH /api/v1/exams/:id': { req: (w) => ({ url: `${a}/exams/${w.side.examId}`, body: { title: 'Renamed' } }), expect: examManagers(200) },
  // the exam has copies: the admin reaches the operation, which refuses (P0-DI-005)
  'DELETE /api/v1/exams/:id': { req: (w) => ({ url: `${a}/exams/${w.side.examId}` }), expect: examManagers(409) },
  'POST /api/v1/exams/:id/archive': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/archive` }), expect: examManagers(200) },
  'POST /api/v1/exams/:id/unarchive': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/unarchive` }), expect: examManagers(200) },
  'PUT /api/v1/exams/:id/correctors': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/correctors`, body: { userIds: [] } }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/copies': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/copies` }), expect: examStaff(200), check: noIdentityForTeachers },
  'POST /api/v1/exams/:id/dispatch': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/dispatch` }), expect: examManagers(200) },
  'POST /api/v1/exams/:id/release': {
    req: async (w, as) => {
      // the fixture's exam is released already: an admin caller first takes it back, so the release changes something
      if (as) await as.req('POST', `${a}/exams/${w.side.examId}/unrelease`);
      return { url: `${a}/exams/${w.side.examId}/release` };
    },
    expect: examManagers(200),
  },
  'POST /api/v1/exams/:id/unrelease': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/unrelease` }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/stats': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/stats` }), expect: examStaff(200), check: noIdentityForTeachers },
  'GET /api/v1/exams/:id/export.csv': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/export.csv?format=pronote` }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/export.zip': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/export.zip` }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/regrade-requests': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/regrade-requests` }), expect: examStaff(200), check: noIdentityForTeachers },
  'GET /api/v1/exams/:id/identification': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/identification` }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/uploads': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/uploads` }), expect: examManagers(200) },
  // not a PDF: the admin reaches the validation (422), nobody else gets that far
  'POST /api/v1/exams/:id/uploads': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/uploads?mode=BATCH`, body: Buffer.from('this is not a pdf at all'), headers: { 'content-type': 'application/pdf' } }),
    expect: examManagers(422),
  },
  'GET /api/v1/uploads/:id': { req: (w) => ({ url: `${a}/uploads/${w.side.uploadId}` }), expect: examManagers(200) },
  'POST /api/v1/exams/:id/copies/merge': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/copies/merge`, body: { copyIds: [w.side.staging, w.side.staging2] } }),
    expect: examManagers(200),
  },

  'GET /api/v1/exams/:id/attendance': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/attendance?class=3B` }), expect: examManagers(200) },
  'PUT /api/v1/exams/:id/attendance/:studentId': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/attendance/${w.spareStudentId}`, body: { status: 'EXCUSED' } }),
    expect: examManagers(200),
  },

  // page repair: exam management, so admins and the exam's owner; the corrector cannot see a STAGING copy (404)
  // (the fixture's copies were not scanned: no bin for their pages, none in the upload's bin)
  'GET /api/v1/uploads/:id/review': { req: (w) => ({ url: `${a}/uploads/${w.side.uploadId}/review` }), expect: examManagers(200), check: noIdentityForTeachers },
  'GET /api/v1/uploads/:id/pages/:sourcePage/image': { req: (w) => ({ url: `${a}/uploads/${w.side.uploadId}/pages/0/image` }), expect: examManagers(404) },
  'POST /api/v1/copies/:id/pages/:position/rotate': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/pages/0/rotate`, body: { version: 1, by: 90 } }), expect: hiddenCopyManagers(200) },
  'POST /api/v1/copies/:id/pages/:position/move': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/pages/0/move`, body: { version: 1, toPosition: 1 } }), expect: hiddenCopyManagers(200) },
  'POST /api/v1/copies/:id/pages/:position/remove': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/pages/0/remove`, body: { version: 1 } }), expect: hiddenCopyManagers(409) },
  'POST /api/v1/copies/:id/split': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/split`, body: { version: 1, atPosition: 1 } }), expect: hiddenCopyManagers(201) },
  'POST /api/v1/uploads/:id/bin/:sourcePage/restore': {
    req: (w) => ({ url: `${a}/uploads/${w.side.uploadId}/bin/0/restore`, body: { toCopyId: w.side.staging, toVersion: 1 } }),
    expect: hiddenCopyManagers(404),
  },

  // ---------------------------------------------------------------- copies (files included)
  'GET /api/v1/copies/:id': {
    req: (w) => ({ url: `${a}/copies/${w.side.graded}` }),
    expect: resultReaders(200),
    // the admin's view names the student: proves the teachers' check above looks at the right thing
    check: (w, who, body) =>
      (who === 'admin' || who === 'owner') && !body.includes(STUDENT_LAST_NAME) ? 'the admin and the owner should see who the copy belongs to' : noIdentityForTeachers(w, who, body),
  },
  'GET /api/v1/copies/:id/pages/:position/image': { req: (w) => ({ url: `${a}/copies/${w.side.graded}/pages/1/image` }), expect: resultReaders(200) },
  'GET /api/v1/copies/:id/final.pdf': { req: (w) => ({ url: `${a}/copies/${w.side.graded}/final.pdf` }), expect: resultReaders(200) },
  'GET /api/v1/copies/:id/events': { req: (w) => ({ url: `${a}/copies/${w.side.graded}/events` }), expect: copyStaff(200), check: noIdentityForTeachers },
  'POST /api/v1/copies/:id/validate': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/validate` }), expect: hiddenCopyManagers(200) },
  'POST /api/v1/copies/:id/identify': { req: (w) => ({ url: `${a}/copies/${w.side.staging}/identify`, body: { studentId: w.spareStudentId } }), expect: hiddenCopyManagers(200) },
  'DELETE /api/v1/copies/:id/identify': { req: (w) => ({ url: `${a}/copies/${w.side.identified}/identify` }), expect: hiddenCopyManagers(200) },
  'PUT /api/v1/copies/:id/assignee': { req: (w) => ({ url: `${a}/copies/${w.side.ready}/assignee`, body: { userId: w.side.correctorId } }), expect: examManagers(200) },

  // ---------------------------------------------------------------- grading (edit lease)
  'POST /api/v1/copies/:id/lock': { req: (w) => ({ url: `${a}/copies/${w.side.ready}/lock` }), expect: copyStaff(200) },
  'POST /api/v1/copies/:id/lock/heartbeat': {
    req: async (w, as) => ({ url: `${a}/copies/${w.side.ready}/lock/heartbeat`, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(200),
  },
  'DELETE /api/v1/copies/:id/lock': {
    req: async (w, as) => ({ url: `${a}/copies/${w.side.ready}/lock`, headers: await leaseOf(as, w.side.ready) }),
    expect: copyStaff(204),
  },
  'GET /api/v1/copies/:id/draft': {
    req: async (w, as) => {
      const headers = await leaseOf(as, w.side.ready);
      if (headers['x-lock-token']) await as!.req('PUT', `${a}/copies/${w.side.ready}/draft`, { payload: { n: 1 }, baseVersion: 0, clientId: 'tab' }, headers);
      return { url: `${a}/copies/${w.side.ready}/draft`, headers };
    },
    expect: leaseWrite(200),
  },
  'PUT /api/v1/copies/:id/draft': {
    req: async (w, as) => ({ url: `${a}/copies/${w.side.ready}/draft`, body: { payload: { n: 1 }, baseVersion: 0, clientId: 'tab' }, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(200),
  },
  'POST /api/v1/copies/:id/annotations': {
    req: async (w, as) => ({
      url: `${a}/copies/${w.side.ready}/annotations`,
      body: { pagePosition: 0, x: 0.1, y: 0.1, w: 0.2, h: 0.1, type: 'TICK' },
      headers: await leaseOf(as, w.side.ready),
    }),
    expect: leaseWrite(201),
  },
  'PATCH /api/v1/annotations/:id': {
    req: async (w, as) => ({ url: `${a}/annotations/${w.side.annotationId}`, body: { version: 1, content: 'edited' }, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(200),
  },
  'DELETE /api/v1/annotations/:id': {
    req: async (w, as) => ({ url: `${a}/annotations/${w.side.annotationId}?version=1`, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(204),
  },
  'PUT /api/v1/copies/:id/scores/:questionId': {
    req: async (w, as) => ({ url: `${a}/copies/${w.side.ready}/scores/${w.side.q0}`, body: { points: 50 }, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(200),
  },
  'DELETE /api/v1/copies/:id/scores/:questionId': {
    req: async (w, as) => {
      const headers = await leaseOf(as, w.side.ready);
      if (headers['x-lock-token']) await as!.req('PUT', `${a}/copies/${w.side.ready}/scores/${w.side.q0}`, { points: 50 }, headers);
      return { url: `${a}/copies/${w.side.ready}/scores/${w.side.q0}?version=1`, headers };
    },
    expect: leaseWrite(204),
  },
  'POST /api/v1/copies/:id/submit': {
    req: async (w, as) => ({ url: `${a}/copies/${w.side.ready}/submit`, body: { allowUnscored: true }, headers: await leaseOf(as, w.side.ready) }),
    expect: leaseWrite(200),
  },
  // `locked` was submitted by the exam's teacher
  'POST /api/v1/copies/:id/unlock': { req: (w) => ({ url: `${a}/copies/${w.side.locked}/unlock` }), expect: copyStaff(200) },
  'POST /api/v1/copies/:id/finalize': { req: (w) => ({ url: `${a}/copies/${w.side.locked}/finalize` }), expect: copyStaff(202) },
  'POST /api/v1/copies/:id/reopen': { req: (w) => ({ url: `${a}/copies/${w.side.graded}/reopen` }), expect: examManagers(200) },

  // ---------------------------------------------------------------- students' portal and regrades
  'GET /api/v1/me/copies': {
    req: () => ({ url: `${a}/me/copies` }),
    expect: { anonymous: 401, student: 200, otherStudent: 200, default: 403 },
    check: (w, who, body) => ((who === 'student') === body.includes(w.side.graded) ? null : 'a student sees a copy that is not theirs, or misses their own'),
  },
  'POST /api/v1/copies/:id/regrade-requests': {
    req: (w) => ({ url: `${a}/copies/${w.side.graded}/regrade-requests`, body: { questionId: w.side.q1, message: 'Could you look again at 1b?' } }),
    expect: { anonymous: 401, student: 201, otherStudent: 404, default: 403 },
  },
  'POST /api/v1/regrade-requests/:id/answer': {
    req: (w) => ({ url: `${a}/regrade-requests/${w.side.regradeId}/answer`, body: { message: 'Checked: the mark stands.' } }),
    expect: copyStaff(200),
  },
  'GET /api/v1/copies/:id/regrade-requests': { req: (w) => ({ url: `${a}/copies/${w.side.graded}/regrade-requests` }), expect: copyStaff(200), check: noIdentityForTeachers },
  'POST /api/v1/regrade-requests/:id/reassign': {
    req: (w) => ({ url: `${a}/regrade-requests/${w.side.regradeId}/reassign`, body: { userId: w.side.correctorId } }),
    expect: examManagers(200),
  },
  // ---------------------------------------------------------------- the grading desk's bundle (issue 15)
  'GET /api/v1/copies/:id/desk': { req: (w) => ({ url: `${a}/copies/${w.side.ready}/desk` }), expect: copyStaff(200), check: noIdentityForTeachers },

  // ---------------------------------------------------------------- rubrics and question-by-question grading (issue 13)
  // the rubric is the graders' tool: every member of the exam's staff reads and edits it
  'GET /api/v1/exams/:id/rubric-items': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/rubric-items` }), expect: examStaff(200) },
  'POST /api/v1/exams/:id/rubric-items': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/rubric-items`, body: { questionId: w.side.q0, label: 'Units', points: -50 } }),
    expect: examStaff(201),
  },
  'PATCH /api/v1/rubric-items/:id': { req: (w) => ({ url: `${a}/rubric-items/${w.side.rubricItemId}`, body: { version: 1, label: 'Method (renamed)' } }), expect: examStaff(200) },
  'POST /api/v1/rubric-items/:id/preview': { req: (w) => ({ url: `${a}/rubric-items/${w.side.rubricItemId}/preview`, body: { points: 50 } }), expect: examStaff(200), check: noIdentityForTeachers },
  'DELETE /api/v1/rubric-items/:id': { req: (w) => ({ url: `${a}/rubric-items/${w.side.rubricItemId}?version=1` }), expect: examStaff(204) },
  'GET /api/v1/copies/:id/rubric': { req: (w) => ({ url: `${a}/copies/${w.side.ready}/rubric` }), expect: copyStaff(200), check: noIdentityForTeachers },
  'PUT /api/v1/copies/:id/questions/:questionId/rubric': {
    req: async (w, as) => ({
      url: `${a}/copies/${w.side.ready}/questions/${w.side.q0}/rubric`,
      body: { version: 0, applied: [{ itemId: w.side.rubricItemId }] },
      headers: await leaseOf(as, w.side.ready),
    }),
    expect: leaseWrite(200),
  },
  'PUT /api/v1/exams/:id/questions/:questionId/scoring-mode': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/questions/${w.side.q0}/scoring-mode`, body: { mode: 'ADDITIVE' } }),
    expect: examManagers(200),
  },
  'PUT /api/v1/exams/:id/questions/:questionId/region': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/questions/${w.side.q0}/region`, body: { region: { pagePosition: 0, x: 0.1, y: 0.1, w: 0.5, h: 0.3 } } }),
    expect: examManagers(200),
  },
  'GET /api/v1/exams/:id/questions/:questionId/next': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/questions/${w.side.q0}/next` }), expect: examStaff(200), check: noIdentityForTeachers },
  'GET /api/v1/exams/:id/question-correctors': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/question-correctors` }), expect: examStaff(200) },
  'PUT /api/v1/exams/:id/questions/:questionId/correctors': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/questions/${w.side.q0}/correctors`, body: { assignments: [{ userId: w.side.correctorId, quota: null }] } }),
    expect: examManagers(200),
  },
  'GET /api/v1/exams/:id/question-progress': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/question-progress` }), expect: examStaff(200), check: noIdentityForTeachers },
  'POST /api/v1/exams/:id/finalize-complete': {
    // the caller first scores every question of the READY copy (as a grader would), so the batch finalizes it
    req: async (w, as) => {
      const headers = await leaseOf(as, w.side.ready);
      if (headers['x-lock-token']) {
        for (const q of [w.side.q0, w.side.q1, w.side.q2]) await as!.req('PUT', `${a}/copies/${w.side.ready}/scores/${q}`, { points: 100 }, headers);
        await as!.req('DELETE', `${a}/copies/${w.side.ready}/lock`, undefined, headers);
      }
      return { url: `${a}/exams/${w.side.examId}/finalize-complete` };
    },
    expect: examManagers(200),
    check: (w, _who, body) => ((JSON.parse(body) as { finalized: { copyId: string }[] }).finalized.some((f) => f.copyId === w.side.ready) ? null : 'the scored READY copy was not finalized'),
  },

  // ---------------------------------------------------------------- printed papers (issue 17): exam management
  'GET /api/v1/exams/:id/papers.pdf': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/papers.pdf?count=2` }), expect: examManagers(200) },
  'GET /api/v1/exams/:id/question-paper': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/question-paper` }), expect: examManagers(200) },
  // not a PDF: the admin reaches the validation, nobody else gets that far
  'PUT /api/v1/exams/:id/question-paper': {
    req: (w) => ({ url: `${a}/exams/${w.side.examId}/question-paper`, body: Buffer.from('this is not a pdf at all'), headers: { 'content-type': 'application/pdf' } }),
    expect: examManagers(422),
  },
  'PUT /api/v1/exams/:id/regrade-deadline': { req: (w) => ({ url: `${a}/exams/${w.side.examId}/regrade-deadline`, body: { deadline: '2027-06-30T22:00:00Z' } }), expect: examManagers(200) },
};

describe(`authorization matrix over the registered route table [${engine}]`, () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  const users = {} as Record<'admin' | 'teacher' | 'otherTeacher' | 'owner' | 'otherOwner' | 'student' | 'otherStudent', { email: string; id: string; client: Client }>;
  const studentRowOf = {} as Record<'student' | 'otherStudent', string>;

  const routeKeys = () => [...new Set(routes.flatMap((r) => [r.method].flat().filter((m) => m !== 'HEAD').map((m) => `${m} ${r.url}`)))].sort();

  async function account(role: 'ADMIN' | 'TEACHER' | 'STUDENT') {
    const u = await createUser(env.ctx, { email: `${role.toLowerCase()}-${newId().slice(0, 8)}@school.test`, displayName: `${role} ${newId().slice(0, 4)}`, role, password: PASSWORD });
    const c = await login(app, u.email, PASSWORD);
    return { email: u.email, id: u.id, client: c };
  }
  async function studentRow(userId: string | null) {
    const id = newId();
    const now = env.ctx.clock.now().toISOString();
    const number = `S${newId().slice(0, 8)}`;
    await env.ctx.db
      .insertInto('students')
      .values({ id, student_number: number, last_name: STUDENT_LAST_NAME, first_name: 'Zoé', email: null, class_name: '3B', search_key: `${number} durand zoe`, user_id: userId, created_at: now, updated_at: now })
      .execute();
    return id;
  }

  /** One exam with every kind of object, run by `examOwner`, corrected by `corrector`, whose graded copy belongs to `owner`. */
  async function buildSide(corrector: Client, owner: { client: Client; studentId: string }, examOwner: string): Promise<Side> {
    const admin = users.admin.client;
    const exam = await makeExam(admin, [corrector]);
    if ((await admin.req('PATCH', `${a}/exams/${exam.id}`, { ownerId: examOwner })).status !== 200) throw new Error('owner');
    const [q0, q1, q2] = leafIds(exam) as [string, string, string];
    const ready = await makeCopy(env, exam.id);
    const graded = await makeCopy(env, exam.id);
    await env.ctx.db.updateTable('copies').set({ student_id: owner.studentId }).where('id', '=', graded).execute();
    await gradeCopy(env, graded, exam.id, corrector.user.id, { [q0]: 300 });
    const locked = await makeCopy(env, exam.id);
    const lock = await corrector.req('POST', `${a}/copies/${locked}/lock`);
    const submitted = await corrector.req('POST', `${a}/copies/${locked}/submit`, { allowUnscored: true }, { 'x-lock-token': lock.body.token });
    if (submitted.status !== 200) throw new Error(`submit ${submitted.status}`);
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    const staging2 = await makeCopy(env, exam.id, { status: 'STAGING' });
    const identified = await makeCopy(env, exam.id, { status: 'STAGING' });
    await env.ctx.db.updateTable('copies').set({ student_id: await studentRow(null) }).where('id', '=', identified).execute();
    const l2 = await corrector.req('POST', `${a}/copies/${ready}/lock`);
    const ann = await corrector.req('POST', `${a}/copies/${ready}/annotations`, { pagePosition: 0, x: 0.5, y: 0.5, w: 0.1, h: 0.1, type: 'COMMENT', content: 'ok' }, { 'x-lock-token': l2.body.token });
    await corrector.req('DELETE', `${a}/copies/${ready}/lock`, undefined, { 'x-lock-token': l2.body.token });
    if ((await admin.req('POST', `${a}/exams/${exam.id}/release`)).status !== 200) throw new Error('release');
    const rg = await owner.client.req('POST', `${a}/copies/${graded}/regrade-requests`, { questionId: q0, message: 'Please check Q1a' });
    if (rg.status !== 201) throw new Error(`regrade ${rg.status} ${JSON.stringify(rg.body)}`);
    const now = env.ctx.clock.now().toISOString();
    const file = await env.ctx.blobs.put(Buffer.from('%PDF-1.4\n%%EOF\n'), 'application/pdf');
    const uploadId = newId();
    await env.ctx.db.transaction().execute(async (tx) => {
      await insertBlob(tx, file, now);
      await tx
        .insertInto('uploads')
        .values({ id: uploadId, exam_id: exam.id, source_blob_id: file.id, mode: 'BATCH', status: 'DONE', page_count: 1, pages_done: 1, error: null, created_by: users.admin.id, created_at: now, updated_at: now })
        .execute();
    });
    const item = await admin.req('POST', `${a}/exams/${exam.id}/rubric-items`, { questionId: q0, label: 'Method', points: 100 });
    if (item.status !== 201) throw new Error(`rubric item ${item.status} ${JSON.stringify(item.body)}`);
    return {
      examId: exam.id, q0, q1, q2, ready, graded, locked, staging, staging2, identified, correctorId: corrector.user.id, annotationId: ann.body.annotation.id, regradeId: rg.body.regradeRequest.id, uploadId,
      rubricItemId: item.body.item.id,
    };
  }

  async function buildWorlds(): Promise<{ X: World; Y: World }> {
    const s = { client: users.student.client, studentId: studentRowOf.student };
    const o = { client: users.otherStudent.client, studentId: studentRowOf.otherStudent };
    const [spareStudentId, spareTeacher] = [await studentRow(null), await createUser(env.ctx, { email: `spare-${newId().slice(0, 8)}@school.test`, displayName: 'Spare', role: 'TEACHER', password: PASSWORD })];
    return {
      X: { side: await buildSide(users.teacher.client, s, users.owner.id), spareStudentId, spareTeacherId: spareTeacher.id, studentIds: [s.studentId, o.studentId] },
      Y: { side: await buildSide(users.otherTeacher.client, o, users.otherOwner.id), spareStudentId, spareTeacherId: spareTeacher.id, studentIds: [s.studentId, o.studentId] },
    };
  }

  beforeAll(async () => {
    env = await createTestEnv();
    app = await buildApp(env.ctx, { onRoute: (r) => routes.push(r) });
    await app.ready();
    users.admin = await account('ADMIN');
    users.teacher = await account('TEACHER');
    users.otherTeacher = await account('TEACHER');
    users.owner = await account('TEACHER');
    users.otherOwner = await account('TEACHER');
    users.student = await account('STUDENT');
    users.otherStudent = await account('STUDENT');
    studentRowOf.student = await studentRow(users.student.id);
    studentRowOf.otherStudent = await studentRow(users.otherStudent.id);
    await createUser(env.ctx, { email: 'login.target@school.test', displayName: 'Target', role: 'TEACHER', password: PASSWORD });
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const auditTrailSize = async () => {
    const n = async (t: 'audit_log' | 'grading_events') => Number((await env.ctx.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return (await n('audit_log')) + (await n('grading_events'));
  };

  it('every registered route has an entry in the matrix (add one when you add a route), and no entry is stale', () => {
    const registered = routeKeys();
    expect(registered.length).toBeGreaterThan(50);
    expect(registered.filter((k) => !TABLE[k]), 'routes without an entry in TABLE').toEqual([]);
    expect(Object.keys(TABLE).filter((k) => !registered.includes(k)), 'entries for routes that do not exist').toEqual([]);
  });

  it('request bodies are bounded per route: 8 KiB for credentials, 1 MiB by default, more only where a file is the body', () => {
    const big: Record<string, number> = {
      'PUT /api/v1/copies/:id/draft': 2 * 1024 * 1024,
      'POST /api/v1/students/import': 10 * 1024 * 1024,
      'POST /api/v1/exams/:id/uploads': env.ctx.config.maxUploadBytes,
      'PUT /api/v1/exams/:id/question-paper': 50 * 1024 * 1024,
    };
    const small = ['POST /api/v1/auth/login', 'POST /api/v1/auth/change-password'];
    for (const r of routes) {
      for (const m of [r.method].flat()) {
        if (m === 'GET' || m === 'HEAD') continue;
        const key = `${m} ${r.url}`;
        const limit = r.bodyLimit ?? 1024 * 1024;
        if (small.includes(key)) expect(limit, key).toBeLessThanOrEqual(8 * 1024);
        else expect(limit, key).toBe(big[key] ?? 1024 * 1024);
      }
    }
  });

  it('lease-guarded writes answer a teacher without the lease the same for a foreign copy and for no copy at all', async () => {
    const { X } = await buildWorlds();
    const other = clientFor(app, users.otherTeacher.client.cookie, users.otherTeacher.client.user);
    const writes = (copyId: string) => [
      other.req('PUT', `${a}/copies/${copyId}/draft`, { payload: {}, baseVersion: 0, clientId: 't' }),
      other.req('POST', `${a}/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'TICK' }),
      other.req('PUT', `${a}/copies/${copyId}/scores/${X.side.q0}`, { points: 1 }),
      other.req('POST', `${a}/copies/${copyId}/submit`),
      other.req('POST', `${a}/copies/${copyId}/lock/heartbeat`),
    ];
    const foreign = await Promise.all(writes(X.side.ready));
    const missing = await Promise.all(writes(newId()));
    expect(foreign.map((r) => [r.status, r.body.code])).toEqual(missing.map((r) => [r.status, r.body.code]));
    // and taking the lease itself is where the foreign teacher learns nothing: 404 for both
    expect((await other.req('POST', `${a}/copies/${X.side.ready}/lock`)).status).toBe(404);
    expect((await other.req('POST', `${a}/copies/${newId()}/lock`)).status).toBe(404);
  });

  it('a lease token works only for the teacher it was issued to: replayed by a co-corrector or a foreign teacher it writes nothing', async () => {
    const { X } = await buildWorlds();
    const coCorrector = await account('TEACHER');
    expect((await users.admin.client.req('PUT', `${a}/exams/${X.side.examId}/correctors`, { userIds: [users.teacher.id, coCorrector.id] })).status).toBe(200);
    const holder = clientFor(app, users.teacher.client.cookie, users.teacher.client.user);
    const lease = await holder.req('POST', `${a}/copies/${X.side.ready}/lock`);
    expect(lease.status).toBe(200);
    const stolen = { 'x-lock-token': lease.body.token };
    for (const thief of [clientFor(app, coCorrector.client.cookie, coCorrector.client.user), clientFor(app, users.otherTeacher.client.cookie, users.otherTeacher.client.user)]) {
      const results = [
        await thief.req('PUT', `${a}/copies/${X.side.ready}/draft`, { payload: { stolen: true }, baseVersion: 0, clientId: 't' }, stolen),
        await thief.req('POST', `${a}/copies/${X.side.ready}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'CROSS' }, stolen),
        await thief.req('PATCH', `${a}/annotations/${X.side.annotationId}`, { version: 1, content: 'stolen' }, stolen),
        await thief.req('PUT', `${a}/copies/${X.side.ready}/scores/${X.side.q0}`, { points: 1 }, stolen),
        await thief.req('POST', `${a}/copies/${X.side.ready}/submit`, undefined, stolen),
        await thief.req('DELETE', `${a}/copies/${X.side.ready}/lock`, undefined, stolen),
      ];
      for (const r of results) expect([404, 409]).toContain(r.status);
    }
    const db = env.ctx.db;
    expect(await db.selectFrom('draft_states').select('owner_id').where('copy_id', '=', X.side.ready).execute()).toEqual([]);
    expect((await db.selectFrom('annotations').select(['id', 'content', 'version']).where('copy_id', '=', X.side.ready).execute())).toEqual([{ id: X.side.annotationId, content: 'ok', version: 1 }]);
    expect(await db.selectFrom('scores').select('points').where('copy_id', '=', X.side.ready).execute()).toEqual([]);
    expect((await db.selectFrom('copies').select('status').where('id', '=', X.side.ready).executeTakeFirstOrThrow()).status).toBe('READY');
    expect((await db.selectFrom('copy_locks').select(['owner_id', 'token']).where('copy_id', '=', X.side.ready).executeTakeFirstOrThrow())).toEqual({ owner_id: users.teacher.id, token: lease.body.token });
  });

  it('requests that mix objects of two exams are refused and change nothing', async () => {
    const { X, Y } = await buildWorlds();
    const admin = users.admin.client;
    const teacher = clientFor(app, users.teacher.client.cookie, users.teacher.client.user);
    const student = clientFor(app, users.student.client.cookie, users.student.client.user);
    const db = env.ctx.db;
    const h = await leaseOf(teacher, X.side.ready);
    expect(h['x-lock-token']).toBeDefined();

    // a score for a question of another exam
    const score = await teacher.req('PUT', `${a}/copies/${X.side.ready}/scores/${Y.side.q0}`, { points: 10 }, h);
    expect([400, 404]).toContain(score.status);
    expect(await db.selectFrom('scores').select('points').where('copy_id', '=', X.side.ready).execute()).toEqual([]);
    // an annotation as question of another exam
    const ann = await teacher.req('POST', `${a}/copies/${X.side.ready}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.1, h: 0.1, type: 'SCORE', scoreDelta: 50, questionId: Y.side.q0 }, h);
    expect([400, 404]).toContain(ann.status);
    // an annotation of another exam's copy, with the lease of this one
    const patch = await teacher.req('PATCH', `${a}/annotations/${Y.side.annotationId}`, { version: 1, content: 'hijacked' }, h);
    expect([404, 409]).toContain(patch.status);
    expect((await db.selectFrom('annotations').select('content').where('id', '=', Y.side.annotationId).executeTakeFirstOrThrow()).content).toBe('ok');
    // stapling copies of two exams
    const merge = await admin.req('POST', `${a}/exams/${X.side.examId}/copies/merge`, { copyIds: [X.side.staging, Y.side.staging] });
    expect([400, 404, 409]).toContain(merge.status);
    for (const id of [X.side.staging, Y.side.staging]) expect((await db.selectFrom('copies').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('STAGING');
    // a regrade request on a question of another exam
    const rg = await student.req('POST', `${a}/copies/${X.side.graded}/regrade-requests`, { questionId: Y.side.q1, message: 'x' });
    expect(rg.status).toBe(400);
    // the teacher of X answering Y's regrade request
    expect((await teacher.req('POST', `${a}/regrade-requests/${Y.side.regradeId}/answer`, { message: 'no' })).status).toBe(404);
    expect((await db.selectFrom('regrade_requests').select('status').where('id', '=', Y.side.regradeId).executeTakeFirstOrThrow()).status).toBe('OPEN');
    // identifying with a student who does not exist; naming a student as corrector
    expect((await admin.req('POST', `${a}/copies/${X.side.staging}/identify`, { studentId: newId() })).status).toBe(404);
    expect((await db.selectFrom('copies').select('student_id').where('id', '=', X.side.staging).executeTakeFirstOrThrow()).student_id).toBeNull();
    expect((await admin.req('PUT', `${a}/exams/${X.side.examId}/correctors`, { userIds: [users.student.id] })).status).toBe(400);
    // a page that does not exist, of a copy the caller may read
    expect((await student.req('GET', `${a}/copies/${X.side.graded}/pages/99/image`)).status).toBe(404);
  });

  it('every route × caller (× foreign objects) gets exactly the status of the table', async () => {
    const clientOf = async (who: Who, fresh: boolean): Promise<Client | null> => {
      if (who === 'anonymous') return null;
      const u = users[who === 'foreignTeacher' ? 'teacher' : who === 'foreignOwner' ? 'owner' : who];
      return fresh ? login(app, u.email, PASSWORD) : clientFor(app, u.client.cookie, u.client.user);
    };
    const mismatches: string[] = [];
    const observed: Record<string, Record<string, number>> = {};
    const worlds = await buildWorlds();
    // which exam's objects may have changed since they were built (a success, or a lease taken while preparing)
    const dirty = { X: false, Y: false };
    for (const key of routeKeys()) {
      const entry = TABLE[key];
      if (!entry) continue; // reported by the first test
      const method = key.split(' ')[0]!;
      for (const who of WHO) {
        const expected = entry.expect[who] ?? entry.expect.default;
        if (expected === undefined) throw new Error(`${key}: no expectation for ${who}`);
        // anything that may have changed state (a success, or a lease taken while preparing) gets a fresh world
        const sideName = who === 'foreignTeacher' || who === 'foreignOwner' ? 'Y' : 'X';
        if (dirty[sideName]) {
          const corrector = sideName === 'X' ? users.teacher.client : users.otherTeacher.client;
          const examOwner = sideName === 'X' ? users.owner.id : users.otherOwner.id;
          const student = sideName === 'X' ? 'student' : 'otherStudent';
          worlds[sideName] = { ...worlds[sideName], side: await buildSide(corrector, { client: users[student].client, studentId: studentRowOf[student] }, examOwner) };
          dirty[sideName] = false;
        }
        const world = worlds[sideName];
        const as = await clientOf(who, !!entry.freshSession);
        const r = await entry.req(world, as);
        const headers: Record<string, string> = { ...(as ? { cookie: as.cookie } : {}), ...r.headers };
        const body = r.body === undefined ? undefined : typeof r.body === 'string' || Buffer.isBuffer(r.body) ? r.body : JSON.stringify(r.body);
        if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
        const trailBefore = who === 'admin' && method !== 'GET' ? await auditTrailSize() : 0;
        const res = await app.inject({ method: method as 'GET', url: r.url, headers, ...(body !== undefined ? { payload: body } : {}) });
        // every change an admin makes leaves a trace: audit_log, or the copy's grading_events
        if (who === 'admin' && method !== 'GET' && res.statusCode < 300 && !NOT_ADMIN_ACTIONS.has(key) && (await auditTrailSize()) === trailBefore) {
          mismatches.push(`${key} as admin: succeeded without an audit_log or grading_events entry`);
        }
        (observed[key] ??= {})[who] = res.statusCode;
        const problem = res.statusCode < 300 ? entry.check?.(world, who, res.body) : null;
        if (problem) mismatches.push(`${key} as ${who}: ${problem}`);
        if (res.statusCode !== expected) mismatches.push(`${key} as ${who}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
        if (res.statusCode >= 500) mismatches.push(`${key} as ${who}: server error`);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type'], `${key} as ${who}`).toContain('application/problem+json');
        }
        if ((method !== 'GET' && res.statusCode < 300 && !entry.sideEffectsElsewhere) || r.headers?.['x-lock-token']) dirty[sideName] = true;
      }
    }
    if (process.env.MATRIX_DISCOVER) console.log(JSON.stringify(observed, null, 1));
    expect(mismatches).toEqual([]);
    // routes × nine callers, a fresh exam after every success: minutes on a loaded PostgreSQL
  }, 420_000);
});
