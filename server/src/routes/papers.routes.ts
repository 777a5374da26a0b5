import { Id, PapersQuery, PdfFile, QuestionPaperInfo, ProblemResponses } from '@korrigo/contracts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as papers from '../services/papers.service.ts';

const Params = z.object({ id: Id });

export const paperRoutes: RouteModule = async (app, ctx) => {
  app.get(
    '/exams/:id/papers.pdf',
    { schema: { params: Params, querystring: PapersQuery, response: { 200: PdfFile, ...ProblemResponses }, tags: ['papers'] } },
    async (req, reply) => {
      const { pdf, fileName } = await papers.printPapers(ctx, actorOf(req), req.params.id, req.query);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `attachment; filename="${fileName}"`)
        .header('Cache-Control', 'private, no-store')
        // a Buffer is sent as is (Fastify serializes only objects); the schema's string type is for the OpenAPI document
        .send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength) as unknown as string);
    },
  );

  app.get('/exams/:id/question-paper', { schema: { params: Params, response: { 200: QuestionPaperInfo, ...ProblemResponses }, tags: ['papers'] } }, async (req) =>
    papers.questionPaperInfo(ctx, actorOf(req), req.params.id),
  );

  // Own scope: the PDF reaches the service as the unread request stream, stored and checked as it arrives.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().put(
      '/exams/:id/question-paper',
      { bodyLimit: 50 * 1024 * 1024, schema: { params: Params, response: { 200: QuestionPaperInfo, ...ProblemResponses }, tags: ['papers'] } },
      async (req) => {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const body = type === 'application/pdf' ? ((req.body as AsyncIterable<Uint8Array> | undefined) ?? null) : null;
        const length = Number(req.headers['content-length']);
        return papers.putQuestionPaper(ctx, actorOf(req), req.params.id, body, Number.isFinite(length) ? length : undefined);
      },
    );
  });
};
