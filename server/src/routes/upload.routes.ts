import { Id, MergeCopiesBody, UploadQuery } from '@korrigo/contracts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from './index.ts';
import { actorOf } from './index.ts';
import * as uploads from '../services/upload.service.ts';
import { mergeCopies } from '../services/merge.service.ts';

const Params = z.object({ id: Id });

export const uploadRoutes: RouteModule = async (app, ctx) => {
  // Own scope: the PDF parser hands the request stream to the service unread (it stores and checks the scan as it
  // arrives, never past the upload cap), and no other route accepts application/pdf.
  await app.register(async (scope) => {
    scope.addContentTypeParser(['application/pdf', 'application/octet-stream'], (_req, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/exams/:id/uploads',
      // Fastify's own limit only applies to buffered bodies; set it to ours anyway so it can never cut in first.
      { bodyLimit: ctx.config.maxUploadBytes, schema: { params: Params, querystring: UploadQuery, tags: ['uploads'] } },
      async (req, reply) => {
        const length = Number(req.headers['content-length']);
        try {
          const result = await uploads.createUpload(ctx, actorOf(req), req.params.id, {
            mode: req.query.mode,
            body: (req.body as AsyncIterable<Uint8Array> | undefined) ?? null,
            declaredBytes: Number.isFinite(length) ? length : undefined,
          });
          return reply.status(202).send(result);
        } catch (err) {
          // refused before the whole body arrived (401/403/404/413): drop the connection rather than read the rest
          if (!req.raw.complete) reply.header('connection', 'close');
          throw err;
        }
      },
    );
  });

  app.get('/uploads/:id', { schema: { params: Params, tags: ['uploads'] } }, async (req) => uploads.getUpload(ctx, actorOf(req), req.params.id));

  app.get('/exams/:id/uploads', { schema: { params: Params, tags: ['uploads'] } }, async (req) => uploads.listUploads(ctx, actorOf(req), req.params.id));

  app.post('/exams/:id/copies/merge', { schema: { params: Params, body: MergeCopiesBody, tags: ['copies'] } }, async (req) =>
    mergeCopies(ctx, actorOf(req), req.params.id, req.body.copyIds),
  );
};
