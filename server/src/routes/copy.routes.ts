import { binaryBody, CopyDetail, CopyStatusResponse, DeskBundle, GradingEventList, Id, NoContent, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as copies from '../services/copy.service.ts';
import { deskBundle } from '../services/desk.service.ts';

const Params = z.object({ id: Id });
/** 304: the browser's copy (If-None-Match) is current */
const notModified = { 304: NoContent.describe('Not modified: the cached bytes are current') };
const pageImage = { 200: binaryBody('The page image (JPEG or PNG)', 'image/jpeg', 'image/png'), ...notModified, ...ProblemResponses };
const finalPdf = { 200: binaryBody('The graded copy, annotations drawn in', 'application/pdf'), ...notModified, ...ProblemResponses };

export const copyRoutes: RouteModule = (app, ctx) => {
  app.get('/copies/:id', { schema: { params: Params, response: { 200: CopyDetail, ...ProblemResponses }, tags: ['copies'] } }, async (req) => copies.getCopy(ctx, actorOf(req), req.params.id));
  // the grading desk's one request before the first page image (issue 15)
  app.get('/copies/:id/desk', { schema: { params: Params, response: { 200: DeskBundle, ...ProblemResponses }, tags: ['copies'] } }, async (req) =>
    deskBundle(ctx, actorOf(req), req.params.id),
  );

  app.get(
    '/copies/:id/pages/:position/image',
    { schema: { params: z.object({ id: Id, position: z.coerce.number().int().min(0).max(100000) }), response: pageImage, tags: ['copies'] } },
    async (req, reply) => {
      const img = await copies.pageImage(ctx, actorOf(req), req.params.id, req.params.position);
      // immutable bytes behind an access check: private, long-lived, revalidated by ETag (always, when they depend on the viewer)
      reply.header('Cache-Control', img.revalidate ? 'private, no-cache' : 'private, max-age=86400, immutable').header('ETag', img.etag);
      if (req.headers['if-none-match'] === img.etag) return reply.status(304).send();
      if (img.rotation) return reply.type(img.contentType).send(await copies.turnedImage(ctx, img));
      // read whole (a page image is a few MB at most) and sent as one buffer: a desk that cancels a read it no longer
      // needs is then no "stream closed prematurely" event in the log
      return reply.type(img.contentType).send(await ctx.blobs.read(img.storageKey, img.range));
    },
  );

  app.get('/copies/:id/final.pdf', { schema: { params: Params, response: finalPdf, tags: ['copies'] } }, async (req, reply) => {
    const pdf = await copies.finalPdf(ctx, actorOf(req), req.params.id);
    reply.header('Cache-Control', 'private, no-cache').header('ETag', pdf.etag);
    if (req.headers['if-none-match'] === pdf.etag) return reply.status(304).send();
    return reply
      .type('application/pdf')
      .header('Content-Disposition', `inline; filename="${pdf.fileName.replace(/[^\w.-]/g, '_')}"`)
      .header('Content-Length', pdf.size)
      .send(ctx.blobs.createReadStream(pdf.storageKey));
  });

  app.get('/copies/:id/events', { schema: { params: Params, response: { 200: GradingEventList, ...ProblemResponses }, tags: ['copies'] } }, async (req) => copies.copyEvents(ctx, actorOf(req), req.params.id));

  app.post('/copies/:id/validate', { schema: { params: Params, response: { 200: CopyStatusResponse, ...ProblemResponses }, tags: ['copies'] } }, async (req) => copies.validateCopy(ctx, actorOf(req), req.params.id));
};
