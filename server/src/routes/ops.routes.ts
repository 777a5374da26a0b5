import crypto from 'node:crypto';
import { binaryBody, Health, ProblemResponses, Readiness } from '@korrigo/contracts';
import type { RouteModule } from '../http/request.ts';
import { problem } from '../http/problem.ts';
import { registry } from '../observability/metrics.ts';
import { collectDbGauges } from '../observability/collect.ts';
import { readiness } from '../services/readiness.service.ts';

/** Outside /api/v1: liveness, readiness (database + storage writable), Prometheus metrics. */
const tags = ['ops'];

export const opsRoutes: RouteModule = (app, ctx) => {
  app.get('/healthz', { schema: { response: { 200: Health, ...ProblemResponses }, tags } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { response: { 200: Readiness, 503: Readiness, ...ProblemResponses }, tags } }, async (_req, reply) => {
    const { ready: ok, checks } = await readiness(ctx);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });

  app.get(
    '/metrics',
    { schema: { response: { 200: binaryBody('Prometheus text exposition format', 'text/plain'), ...ProblemResponses }, tags } },
    async (req, reply) => {
      if (ctx.config.metricsToken && !sameSecret(req.headers.authorization ?? '', `Bearer ${ctx.config.metricsToken}`)) {
        return reply.status(401).type('application/problem+json').send(problem(401, 'UNAUTHENTICATED', 'A metrics token is required'));
      }
      try {
        await collectDbGauges(ctx);
      } catch (err) {
        // the process metrics are still worth serving when the database is down; /readyz reports the database
        req.log.warn({ err }, 'metrics: database gauges not refreshed');
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

/** Constant-time comparison (of digests, so lengths do not leak either). */
const sameSecret = (a: string, b: string) =>
  crypto.timingSafeEqual(crypto.createHash('sha256').update(a).digest(), crypto.createHash('sha256').update(b).digest());
