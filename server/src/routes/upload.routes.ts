import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Id,
  MergeCopiesBody,
  MergeCopiesResponse,
  ProblemResponses,
  UploadCreated,
  UploadInfo,
  UploadList,
  UploadQuery,
} from '@korrigo/contracts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as uploads from '../services/upload.service.ts';
import { mergeCopies } from '../services/merge.service.ts';
import { multipartBoundary, multipartFile } from '../http/multipart-file.ts';

const Params = z.object({ id: Id });

/** Room for a multipart body's boundaries and part headers around the file. */
const MULTIPART_OVERHEAD = 16 * 1024;

/** The most the file can weigh, given the announced body length: a form's file is a little shorter than its body. */
function announcedFileBytes(contentType: string | undefined, length: number): number | undefined {
  if (!Number.isFinite(length)) return undefined;
  return multipartBoundary(contentType) ? Math.max(0, length - MULTIPART_OVERHEAD) : length;
}

/** The scan's bytes and announced size as the body carries them: raw PDF, a multipart form's file, or neither. */
function uploadBody(contentType: string | undefined, length: number, body: AsyncIterable<Uint8Array> | undefined) {
  const declaredBytes = announcedFileBytes(contentType, length);
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/pdf' || type === 'application/octet-stream') return { body: body ?? null, declaredBytes };
  const boundary = multipartBoundary(contentType);
  if (boundary && body) return { body: multipartFile(body, boundary), declaredBytes };
  return { body: null, unsupportedType: contentType ?? '' };
}

export const uploadRoutes: RouteModule = async (app, ctx) => {
  /*
   * A client announcing `Expect: 100-continue` (curl does for big bodies) waits for a go-ahead before sending. Node
   * gives it at once unless asked: a body announced over the cap gets no go-ahead, so the 413 the route answers
   * (before reading a byte) is the first thing the client hears, not a closed connection after it sent the file.
   */
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const announced = announcedFileBytes(req.headers['content-type'], Number(req.headers['content-length']));
    if (!(announced !== undefined && announced > ctx.config.maxUploadBytes)) res.writeContinue();
    app.server.emit('request', req, res);
  });

  // Own scope: every body reaches the handler as the unread request stream (the service stores and checks the scan as
  // it arrives, never past the upload cap); the content type decides how it is read, or why it is refused.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/exams/:id/uploads',
      // Fastify's own limit only applies to buffered bodies; set it to ours anyway so it can never cut in first.
      { bodyLimit: ctx.config.maxUploadBytes, schema: { params: Params, querystring: UploadQuery, response: { 202: UploadCreated, ...ProblemResponses }, tags: ['uploads'] } },
      async (req, reply) => {
        try {
          const result = await uploads.createUpload(ctx, actorOf(req), req.params.id, {
            mode: req.query.mode,
            ...uploadBody(req.headers['content-type'], Number(req.headers['content-length']), req.body as AsyncIterable<Uint8Array> | undefined),
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

  app.get('/uploads/:id', { schema: { params: Params, response: { 200: UploadInfo, ...ProblemResponses }, tags: ['uploads'] } }, async (req) => uploads.getUpload(ctx, actorOf(req), req.params.id));

  app.get('/exams/:id/uploads', { schema: { params: Params, response: { 200: UploadList, ...ProblemResponses }, tags: ['uploads'] } }, async (req) => uploads.listUploads(ctx, actorOf(req), req.params.id));

  app.post('/exams/:id/copies/merge', { schema: { params: Params, body: MergeCopiesBody, response: { 200: MergeCopiesResponse, ...ProblemResponses }, tags: ['copies'] } }, async (req) =>
    mergeCopies(ctx, actorOf(req), req.params.id, req.body.copyIds),
  );
};
