import { binaryBody, ImportResult, ProblemResponses, ProvisionBody, StudentListQuery, StudentPage } from '@korrigo/contracts';
import type { App, RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as studentService from '../services/student.service.ts';

const tags = ['students'];

/** Accept names application/pdf ahead of (or without) text/csv. */
function prefersPdf(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const pdf = types.indexOf('application/pdf');
  const csv = types.indexOf('text/csv');
  return pdf >= 0 && (csv < 0 || pdf < csv);
}
const CSV_LIMIT = 10 * 1024 * 1024;

export const studentRoutes: RouteModule = async (app, ctx) => {
  // the roster arrives as raw bytes: encoding detection (UTF-8 vs Windows-1252) needs them undecoded.
  // Scoped to this plugin so no other route accepts CSV. Windows browsers label .csv files as vnd.ms-excel.
  await app.register(async (scope: App) => {
    scope.addContentTypeParser(['text/csv', 'text/plain', 'application/vnd.ms-excel'], { parseAs: 'buffer', bodyLimit: CSV_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/students/import', { schema: { tags, response: { 200: ImportResult, ...ProblemResponses } }, bodyLimit: CSV_LIMIT }, async (req) =>
      studentService.importRoster(ctx, actorOf(req), req.body as Buffer),
    );
  });

  app.get('/students', { schema: { querystring: StudentListQuery, response: { 200: StudentPage, ...ProblemResponses }, tags } }, async (req) => studentService.listStudents(ctx, actorOf(req), req.query));

  // CSV by default (the contract); printable slips when the client asks for a PDF, by Accept or by `format`
  app.post('/students/provision', {
    schema: {
      body: ProvisionBody,
      response: {
        200: binaryBody(
          'The one-time passwords: CSV (student_number;email;one_time_password;last_name;first_name;class_name) or printable slips; X-Provisioned-Count and X-Skipped-Count headers',
          'text/csv',
          'application/pdf',
        ),
        ...ProblemResponses,
      },
      tags,
    },
  }, async (req, reply) => {
    const wantsPdf = req.body?.format ? req.body.format === 'pdf' : prefersPdf(req.headers.accept);
    const out = await studentService.provisionAccounts(ctx, actorOf(req), req.body ?? {});
    const [type, file, body] = wantsPdf
      ? ['application/pdf', 'student-accounts.pdf', Buffer.from(await studentService.accountSlips(ctx, out.accounts, `${req.protocol}://${req.host}/`))]
      : ['text/csv; charset=utf-8', 'student-accounts.csv', studentService.accountsCsv(out.accounts)];
    return reply
      .type(type)
      .header('Content-Disposition', `attachment; filename="${file}"`)
      // one-time passwords: never kept by a cache or a proxy
      .header('Cache-Control', 'no-store')
      .header('X-Provisioned-Count', String(out.provisioned))
      .header('X-Skipped-Count', String(out.skipped.length))
      .send(body);
  });
};
