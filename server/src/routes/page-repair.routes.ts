import {
  binaryBody,
  BinPageParams,
  Id,
  MovePageBody,
  NoContent,
  PageParams,
  PageRepairResponse,
  ProblemResponses,
  RemovePageBody,
  RestorePageBody,
  RotatePageBody,
  SplitCopyBody,
  UploadReview,
} from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as repair from '../services/page-repair.service.ts';
import * as review from '../services/upload-review.service.ts';

const tags = ['page repair'];
const ok = { 200: PageRepairResponse, ...ProblemResponses };

/** Repairing a scanned stack (admin): see page-repair.service.ts. */
export const pageRepairRoutes: RouteModule = (app, ctx) => {
  app.post('/copies/:id/pages/:position/rotate', { schema: { params: PageParams, body: RotatePageBody, response: ok, tags } }, async (req) =>
    repair.rotatePage(ctx, actorOf(req), req.params.id, req.params.position, req.body),
  );
  app.post('/copies/:id/pages/:position/move', { schema: { params: PageParams, body: MovePageBody, response: ok, tags } }, async (req) =>
    repair.movePage(ctx, actorOf(req), req.params.id, req.params.position, req.body),
  );
  app.post('/copies/:id/pages/:position/remove', { schema: { params: PageParams, body: RemovePageBody, response: ok, tags } }, async (req) =>
    repair.removePage(ctx, actorOf(req), req.params.id, req.params.position, req.body),
  );
  app.post(
    '/copies/:id/split',
    { schema: { params: z.object({ id: Id }), body: SplitCopyBody, response: { 201: PageRepairResponse, ...ProblemResponses }, tags } },
    async (req, reply) => reply.status(201).send(await repair.splitCopy(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post('/uploads/:id/bin/:sourcePage/restore', { schema: { params: BinPageParams, body: RestorePageBody, response: ok, tags } }, async (req) =>
    repair.restorePage(ctx, actorOf(req), req.params.id, req.params.sourcePage, req.body),
  );

  app.get('/uploads/:id/review', { schema: { params: z.object({ id: Id }), response: { 200: UploadReview, ...ProblemResponses }, tags } }, async (req) =>
    review.uploadReview(ctx, actorOf(req), req.params.id),
  );
  app.get('/uploads/:id/pages/:sourcePage/image', {
    schema: {
      params: BinPageParams,
      response: { 200: binaryBody('The scanned page, turned', 'image/jpeg', 'image/png'), 304: NoContent.describe('Not modified: the cached bytes are current'), ...ProblemResponses },
      tags,
    },
  }, async (req, reply) => {
    const img = await review.uploadPageImage(ctx, actorOf(req), req.params.id, req.params.sourcePage);
    // the URL carries the rotation, the ETag names bytes and rotation: safe to keep
    reply.header('Cache-Control', 'private, max-age=86400').header('ETag', img.etag);
    if (req.headers['if-none-match'] === img.etag) return reply.status(304).send();
    return reply.type(img.contentType).send(img.bytes);
  });
};
