import { Id, IdentificationList, IdentificationQuery, IdentifyBody, IdentifyResponse, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as identification from '../services/identification.service.ts';

const Params = z.object({ id: Id });
const tags = ['identification'];
const identified = { 200: IdentifyResponse, ...ProblemResponses };

export const identificationRoutes: RouteModule = (app, ctx) => {
  app.get('/exams/:id/identification', { schema: { params: Params, querystring: IdentificationQuery, response: { 200: IdentificationList, ...ProblemResponses }, tags } }, async (req) =>
    identification.identificationQueue(ctx, actorOf(req), req.params.id, req.query),
  );
  app.post('/copies/:id/identify', { schema: { params: Params, body: IdentifyBody, response: identified, tags } }, async (req) =>
    identification.identifyCopy(ctx, actorOf(req), req.params.id, req.body.studentId),
  );
  app.delete('/copies/:id/identify', { schema: { params: Params, response: identified, tags } }, async (req) =>
    identification.unidentifyCopy(ctx, actorOf(req), req.params.id),
  );
};
