/**
 * `korrigo demo`: a demo exam a new user can grade at once — a scale, a class of 30, a corrector account and a
 * generated batch scan (handwriting-like JPEG pages, names in the header) ingested through the real pipeline:
 * upload service → INGEST_UPLOAD job → STAGING copies → validated to READY. Refuses politely if it already exists.
 */
import { Readable } from 'node:stream';
import type { AppContext, Actor } from '../context.ts';
import { AppError } from '../errors.ts';
import { randomToken } from '../ids.ts';
import { JobRunner } from '../jobs/runner.ts';
import { jobHandlers } from '../jobs/index.ts';
import { makeScanPdf } from '../pdf/synthetic-scan.ts';
import { findUserByEmail, listUsers } from '../repositories/user.repository.ts';
import { bootstrapAdmin, createUser } from '../services/auth.service.ts';
import { validateCopy } from '../services/copy.service.ts';
import { createExam, listExams, setCorrectors } from '../services/exam.service.ts';
import { importRoster } from '../services/student.service.ts';
import { createUpload, getUpload } from '../services/upload.service.ts';
import { createRubricItem } from '../services/rubric/rubric.service.ts';
import { setScoringMode } from '../services/rubric/question-mode.service.ts';

export const DEMO_TITLE = 'Démo — Mathématiques';
export const DEMO_TEACHER_EMAIL = 'prof.demo@korrigo.local';
const CLASS_NAME = '1re B';
const PAGES_PER_COPY = 2;
// two students were absent: the identification desk shows who has no copy
const ABSENT = new Set([4, 17]);

const ROSTER: Array<[last: string, first: string]> = [
  ['Dubois', 'Léa'], ['Lefèvre', 'Hugo'], ['Fontaine', 'Chloé'], ['Girard', 'Nathan'], ['Benali', 'Inès'],
  ['Rousseau', 'Mathéo'], ['Lambert', 'Zoé'], ['Mercier', 'Raphaël'], ['Chevalier', 'Anaïs'], ['Garnier', 'Noé'],
  ['Faure', 'Maëlle'], ['Bonnet', 'Théo'], ['Morin', 'Océane'], ['Dupont', 'Élodie'], ['Haddad', 'Yanis'],
  ['Nguyen', 'Jade'], ['Côté', 'Aurélien'], ['Lemaître', 'Bérénice'], ['Muñoz', 'Kévin'], ['Le Gall', 'Loïc'],
  ['Kowalczyk', 'Éva'], ['Åkesson', 'Björn'], ["O'Connor", 'Zoë'], ['Okafor', 'Ngozi'], ['Zhang', 'Mei Lin'],
  ['Durand-Noël', 'Clément'], ['Diallo', 'Fatou'], ['Mansouri', 'Ilyès'], ['de La Tour', 'Agathe'], ['Wéry', 'Joséphine'],
];

const SCALE = [
  { label: 'Exercice 1 — Fonctions', children: [{ label: '1a', maxPoints: 250 }, { label: '1b', maxPoints: 450 }] },
  { label: 'Exercice 2 — Géométrie', maxPoints: 600 },
  { label: 'Exercice 3 — Probabilités', children: [{ label: '3a', maxPoints: 300 }, { label: '3b', maxPoints: 400 }] },
];

type DemoItem = { label: string; comment: string; points: number; kind?: 'DELTA' | 'ABSOLUTE'; group?: string };
/** Rubric keys per leaf question (issue 13): a teacher can grade the demo question by question with keys 1–9. */
const RUBRIC: Record<string, { mode: 'ADDITIVE' | 'SUBTRACTIVE'; items: DemoItem[] }> = {
  '1a': { mode: 'ADDITIVE', items: [
    { label: 'Bonne méthode', comment: 'La méthode est la bonne.', points: 150 },
    { label: 'Résultat juste', comment: 'Le résultat est exact.', points: 100 },
  ] },
  '1b': { mode: 'SUBTRACTIVE', items: [
    { label: 'Erreur de signe', comment: 'Attention au signe de la dérivée.', points: -100 },
    { label: 'Dérivée fausse', comment: 'Revoir la dérivée d’un produit.', points: -200 },
    { label: 'Pas de conclusion', comment: 'Il manque la phrase de conclusion.', points: -50 },
  ] },
  'Exercice 2 — Géométrie': { mode: 'ADDITIVE', items: [
    { label: 'Figure complète', comment: 'Figure juste et complète.', points: 200, group: 'figure' },
    { label: 'Figure partielle', comment: 'La figure est incomplète.', points: 100, group: 'figure' },
    { label: 'Démonstration correcte', comment: 'Démonstration rigoureuse.', points: 300 },
    { label: 'Rédaction soignée', comment: 'Rédaction claire.', points: 100 },
  ] },
  '3a': { mode: 'ADDITIVE', items: [
    { label: 'Tout juste', comment: 'Parfait.', points: 300, kind: 'ABSOLUTE' },
    { label: 'À moitié', comment: 'La moitié du raisonnement est là.', points: 150, kind: 'ABSOLUTE' },
    { label: 'Faux', comment: 'Revoir la loi binomiale.', points: 0, kind: 'ABSOLUTE' },
  ] },
  '3b': { mode: 'SUBTRACTIVE', items: [
    { label: 'Arbre incomplet', comment: 'L’arbre de probabilités est incomplet.', points: -100 },
    { label: 'Calcul faux', comment: 'Erreur de calcul.', points: -150 },
  ] },
};

const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]+/g, '').toLowerCase();

export interface DemoResult {
  created: boolean;
  examId: string;
  copyIds: string[];
  teacher: { email: string; password: string | null };
}

async function adminActor(ctx: AppContext, print: (line: string) => void): Promise<Actor> {
  const boot = await bootstrapAdmin(ctx);
  if (boot?.password) print(`No admin existed: created ${boot.email} with one-time password ${boot.password}`);
  const admin = (await listUsers(ctx.db, { role: 'ADMIN', limit: 100 })).find((u) => u.is_active === 1);
  if (!admin) throw new Error('No active admin account: create one with `korrigo users create --role ADMIN …`');
  return { id: admin.id, role: 'ADMIN', displayName: admin.display_name };
}

export async function runDemo(ctx: AppContext, print: (line: string) => void = console.log): Promise<DemoResult> {
  const admin = await adminActor(ctx, print);
  const existing = (await listExams(ctx, admin, 'all')).find((e) => e.title === DEMO_TITLE);
  if (existing) {
    print(`The demo exam "${DEMO_TITLE}" already exists (id ${existing.id}); nothing was changed.`);
    print('Archive or rename it in the admin desk to create a fresh one.');
    return { created: false, examId: existing.id, copyIds: [], teacher: { email: DEMO_TEACHER_EMAIL, password: null } };
  }

  let password: string | null = randomToken(9);
  let teacherId: string;
  try {
    teacherId = (await createUser(ctx, { email: DEMO_TEACHER_EMAIL, displayName: 'Claire Martin (démo)', role: 'TEACHER', password, mustChangePassword: true })).id;
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
    teacherId = (await findUserByEmail(ctx.db, DEMO_TEACHER_EMAIL))!.id;
    password = null; // an earlier demo's account: its password is not ours to reset
  }

  const students = ROSTER.map(([last, first], i) => ({ number: `DEMO-${String(i + 1).padStart(3, '0')}`, last, first }));
  const csv = [
    'student_number;last_name;first_name;email;class_name',
    ...students.map((s) => `${s.number};${s.last};${s.first};${ascii(s.first)}.${ascii(s.last)}@eleves.demo.local;${CLASS_NAME}`),
  ].join('\r\n');
  const roster = await importRoster(ctx, admin, Buffer.from(csv, 'utf8'));
  if (roster.errors.length) throw new Error(`Demo roster refused: ${JSON.stringify(roster.errors)}`);

  const exam = await createExam(ctx, admin, { title: DEMO_TITLE, examDate: new Date().toISOString().slice(0, 10), pagesPerCopy: PAGES_PER_COPY, questions: SCALE });
  await setCorrectors(ctx, admin, exam.id, [teacherId]);
  let rubricItems = 0;
  for (const q of exam.questions.filter((x) => x.isLeaf)) {
    const r = RUBRIC[q.label];
    if (!r) continue;
    await setScoringMode(ctx, admin, exam.id, q.id, r.mode);
    for (const i of r.items) {
      await createRubricItem(ctx, admin, exam.id, { questionId: q.id, label: i.label, comment: i.comment, points: i.points, kind: i.kind, group: i.group ?? null });
      rubricItems++;
    }
  }

  // the stack as it comes off the scanner: not in roster order, absentees missing
  const present = students.filter((_, i) => !ABSENT.has(i));
  const stack = present.map((_, i) => present[(i * 11) % present.length]!); // 11 is prime to 28: a permutation
  print(`Generating a ${stack.length * PAGES_PER_COPY}-page scan of ${stack.length} handwritten copies…`);
  const pdf = await makeScanPdf({ pages: stack.length * PAGES_PER_COPY, pagesPerCopy: PAGES_PER_COPY, names: stack.map((s) => `${s.first} ${s.last}`), seed: 42 });
  const { upload } = await createUpload(ctx, admin, exam.id, { mode: 'BATCH', body: Readable.from([pdf]), declaredBytes: pdf.length });

  // run the ingest here; if a running server's job runner claimed it first, wait for that one
  await new JobRunner(ctx, jobHandlers, { kinds: ['INGEST_UPLOAD'] }).drain();
  let status = await getUpload(ctx, admin, upload.id);
  for (let waited = 0; (status.status === 'PENDING' || status.status === 'PROCESSING') && waited < 600_000; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    status = await getUpload(ctx, admin, upload.id);
  }
  if (status.status !== 'DONE') throw new Error(`The demo scan was not ingested: ${status.error ?? status.status}`);
  for (const id of status.copyIds) await validateCopy(ctx, admin, id);

  print('');
  print(`Demo exam created: "${DEMO_TITLE}" (id ${exam.id})`);
  print(`  scale     ${exam.questions.filter((q) => q.isLeaf).length} questions, ${exam.maxTotal / 100} points, ${PAGES_PER_COPY} pages per copy`);
  print(`  roster    ${students.length} students of ${CLASS_NAME} (numbers DEMO-001 … DEMO-${String(students.length).padStart(3, '0')})`);
  print(`  scan      ${status.pageCount} pages → ${status.copyIds.length} copies, validated (READY), not yet identified; ${students.length - stack.length} students absent`);
  print(`  rubric    ${rubricItems} rubric keys on the ${Object.keys(RUBRIC).length} questions (additive or subtractive; question mode grades them with keys 1–9)`);
  print(`  corrector Claire Martin (démo) <${DEMO_TEACHER_EMAIL}>`);
  print(password ? `            one-time password: ${password}   (shown once; a new one is asked at first login)` : '            (existing account: its password is unchanged)');
  print('');
  print(`Open Korrigo (npm start, then http://${ctx.config.host}:${ctx.config.port}/):`);
  print('  as the admin: Identification to link each copy to its student, then Correctors → Dispatch;');
  print(`  as ${DEMO_TEACHER_EMAIL}: grade the copies of "${DEMO_TITLE}".`);
  return { created: true, examId: exam.id, copyIds: status.copyIds, teacher: { email: DEMO_TEACHER_EMAIL, password } };
}
