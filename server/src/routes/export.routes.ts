import { binaryBody, ExportQuery, Id, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as exportService from '../services/export.service.ts';

const Params = z.object({ id: Id });
const tags = ['exports'];

export const exportRoutes: RouteModule = (app, ctx) => {
  app.get('/exams/:id/export.csv', {
    schema: { params: Params, querystring: ExportQuery, response: { 200: binaryBody('The marks, one line per copy (plain or Pronote columns)', 'text/csv'), ...ProblemResponses }, tags },
  }, async (req, reply) => {
    const out = await exportService.exportCsv(ctx, actorOf(req), req.params.id, req.query);
    return reply.type('text/csv; charset=utf-8').header('Content-Disposition', out.contentDisposition).header('Cache-Control', 'private, no-store').send(out.body);
  });
  app.get('/exams/:id/export.zip', { schema: { params: Params, response: { 200: binaryBody('Every graded copy\'s final PDF', 'application/zip'), ...ProblemResponses }, tags } }, async (req, reply) => {
    const out = await exportService.exportZip(ctx, actorOf(req), req.params.id);
    reply.type('application/zip').header('Content-Disposition', out.contentDisposition).header('Cache-Control', 'private, no-store');
    if (out.size !== null) reply.header('Content-Length', out.size);
    return reply.send(out.stream);
  });
};
