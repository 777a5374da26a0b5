import { MyCopiesResponse, ProblemResponses } from '@korrigo/contracts';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import { myCopies } from '../services/portal.service.ts';

export const portalRoutes: RouteModule = (app, ctx) => {
  app.get('/me/copies', { schema: { response: { 200: MyCopiesResponse, ...ProblemResponses }, tags: ['portal'] } }, async (req) => myCopies(ctx, actorOf(req)));
};
