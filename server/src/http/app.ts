import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Problem, ProblemResponses } from '@korrigo/contracts';
import { z } from 'zod';
import type { AppContext, Actor } from '../context.ts';
import { AppError } from '../errors.ts';
import { authenticate } from '../services/auth.service.ts';
import { metrics } from '../observability/metrics.ts';
import { registerRoutes } from '../routes/index.ts';
import { newId } from '../ids.ts';
import { securityHeaders } from './security-headers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

import { SESSION_COOKIE } from './request.ts';
import { problem } from './problem.ts';
import { openApiTransform } from './openapi.ts';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function mapError(err: unknown): { status: number; body: Problem } | null {
  if (err instanceof AppError) return { status: err.status, body: problem(err.status, err.code, err.message, err.extra) };
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = (err as unknown as { validation: { instancePath: string; message: string }[] }).validation.map((v) => ({
      path: v.instancePath,
      message: v.message,
    }));
    const where = (err as unknown as { validationContext?: string }).validationContext ?? 'request';
    return { status: 400, body: problem(400, 'VALIDATION_FAILED', `Invalid ${where}: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`, { issues }) };
  }
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: problem(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large') };
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, body: problem(415, 'VALIDATION_FAILED', 'Unsupported content type') };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 429) return { status: 429, body: problem(429, 'RATE_LIMITED', 'Too many requests: slow down') };
    return { status: e.statusCode, body: problem(e.statusCode, 'VALIDATION_FAILED', e.message ?? 'Bad request') };
  }
  return null;
}

/** `onRoute` sees every route as it is registered (the authorization-matrix test builds its table from it). */
/** `logger`: true logs to stdout; a stream receives the log lines instead (tests read what an operator would). */
export async function buildApp(
  ctx: AppContext,
  opts: { logger?: boolean | NodeJS.WritableStream; onRoute?: (route: RouteOptions) => void } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ? { level: process.env.LOG_LEVEL ?? 'info', ...(opts.logger === true ? {} : { stream: opts.logger }) } : false,
    // a proxy's request id is kept (so one id follows the request through every log) if it is plain text
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : newId();
    },
    bodyLimit: 1024 * 1024,
    // long ids reach the zod param schemas and get a problem+json 400 instead of Fastify's bare 414
    routerOptions: { maxParamLength: 2000 },
    trustProxy: process.env.KORRIGO_TRUST_PROXY === '1',
  }).withTypeProvider<ZodTypeProvider>();
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(cookie);
  const helmetHeaders = await securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        objectSrc: ["'self'"],
        frameSrc: ["'self'"],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(helmetHeaders);
    done();
  });
  await app.register(swagger, {
    openapi: { info: { title: 'Korrigo API', version: '1' }, servers: [{ url: '/' }] },
    transform: openApiTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get(
    '/api/openapi.json',
    { schema: { hide: true, response: { 200: z.looseObject({ openapi: z.string() }).describe('This OpenAPI document'), ...ProblemResponses } } },
    async () => app.swagger() as { openapi: string },
  );

  app.decorateRequest('actor', null);

  app.addHook('onRequest', async (req, reply) => {
    (req as { startTime?: bigint }).startTime = process.hrtime.bigint();
    reply.header('x-request-id', req.id);
    if (!req.url.startsWith('/api/v1/')) return;
    if (!SAFE_METHODS.has(req.method)) assertSameOrigin(req);
    const session = await authenticate(ctx, req.cookies[SESSION_COOKIE]);
    if (!session) return;
    req.actor = { ...session.actor, ip: req.ip };
    if (session.user.mustChangePassword && !/^\/api\/v1\/auth\/(me|logout|change-password)(\?|$)/.test(req.url)) {
      throw new AppError('PASSWORD_CHANGE_REQUIRED', 403, 'Change your password before continuing');
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const start = (req as { startTime?: bigint }).startTime;
    if (start === undefined) return;
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, Number(process.hrtime.bigint() - start) / 1e9);
  });

  app.setErrorHandler((err, req, reply) => {
    const mapped = mapError(err);
    if (err instanceof AppError && typeof err.extra.retryAfterSeconds === 'number') reply.header('Retry-After', String(err.extra.retryAfterSeconds));
    if (mapped) return reply.status(mapped.status).type('application/problem+json').send(mapped.body);
    req.log.error({ err }, 'unhandled error');
    ctx.log.error({ err, reqId: req.id }, 'unhandled error');
    return reply
      .status(500)
      .type('application/problem+json')
      .send(problem(500, 'INTERNAL', `Something went wrong on the server (request ${req.id}); nothing was half-saved. Try again.`));
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || !ctx.config.webDist || req.method !== 'GET') {
      return reply.status(404).type('application/problem+json').send(problem(404, 'NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`));
    }
    return reply.type('text/html').sendFile('index.html');
  });

  await registerRoutes(app, ctx);

  if (ctx.config.webDist && fs.existsSync(path.join(ctx.config.webDist, 'index.html'))) {
    // wildcard: files are looked up per request, so a rebuilt web/dist is served without a restart
    await app.register(fastifyStatic, { root: ctx.config.webDist, wildcard: true, index: ['index.html'] });
  }
  return app;
}

/**
 * State-changing browser requests must come from our own origin (CSRF). Non-browser clients send neither
 * Origin nor Sec-Fetch-Site and are let through: they hold the cookie themselves.
 */
function assertSameOrigin(req: FastifyRequest) {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') throw new AppError('FORBIDDEN', 403, 'Cross-site request refused');
  const origin = req.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new AppError('FORBIDDEN', 403, 'Cross-site request refused');
    }
    if (host !== req.headers.host) throw new AppError('FORBIDDEN', 403, 'Cross-site request refused');
  } else if (origin === 'null') {
    throw new AppError('FORBIDDEN', 403, 'Cross-site request refused');
  }
}
