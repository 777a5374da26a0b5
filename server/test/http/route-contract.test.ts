/**
 * One contract for responses (issue 18): every route the server registers declares what it answers, as Zod schemas of
 * @korrigo/contracts — its success status(es), and the shared problem body for every 4xx and 5xx. The route list comes
 * from Fastify's onRoute hook, so a route added (or changed) without a response schema fails here. The OpenAPI
 * document is built from the same schemas: every route is in it, with its answers.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Problem } from '@korrigo/contracts';
import { z } from 'zod';
import { buildApp } from '../../src/http/app.ts';
import { createTestEnv, type TestEnv } from '../helpers/harness.ts';

/** Routes the server does not write: the API explorer's own pages (@fastify/swagger-ui). */
const notOurs = (url: string) => url.startsWith('/api/docs');

/** What is missing from a route's response schemas; empty when it is covered. */
export function missingResponses(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>): string[] {
  const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
  if (!response) return ['no response schema'];
  const gaps: string[] = [];
  const notZod = Object.entries(response).filter(([, s]) => !(s instanceof z.ZodType));
  for (const [status] of notZod) gaps.push(`${status}: not a Zod schema of the contracts`);
  if (!Object.keys(response).some((s) => /^2\d\d$/.test(s))) gaps.push('no success (2xx) status');
  for (const status of ['4xx', '5xx']) if (response[status] !== Problem) gaps.push(`${status}: not the shared Problem body`);
  return gaps;
}

const keyOf = (r: Pick<RouteOptions, 'method' | 'url'>) => `${[r.method].flat().join(',')} ${r.url}`;

describe('route contract', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
    app = await buildApp(env.ctx, { onRoute: (r) => routes.push(r) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const ours = () => routes.filter((r) => [r.method].flat().some((m) => m !== 'HEAD') && !notOurs(r.url));

  it('every route declares its success response and the problem body for 4xx and 5xx, from the contracts', () => {
    expect(ours().length).toBeGreaterThan(55);
    const uncovered = ours()
      .map((r) => ({ route: keyOf(r), gaps: missingResponses(r) }))
      .filter((r) => r.gaps.length > 0);
    expect(uncovered, 'routes whose responses are not (fully) declared').toEqual([]);
  });

  it('the check fails on a route without a response schema, or without the problem body (it can catch a regression)', async () => {
    const probe = Fastify().withTypeProvider();
    probe.setValidatorCompiler(validatorCompiler);
    probe.setSerializerCompiler(serializerCompiler);
    const seen: RouteOptions[] = [];
    probe.addHook('onRoute', (r) => void seen.push(r));
    probe.get('/bare', async () => ({}));
    probe.get('/no-problem', { schema: { response: { 200: z.object({}) } } }, async () => ({}));
    probe.get('/own-error-body', { schema: { response: { 200: z.object({}), '4xx': z.object({ error: z.string() }), '5xx': Problem } } }, async () => ({}));
    await probe.ready();
    expect(seen.filter((r) => r.method !== 'HEAD').map((r) => [r.url, missingResponses(r)])).toEqual([
      ['/bare', ['no response schema']],
      ['/no-problem', ['4xx: not the shared Problem body', '5xx: not the shared Problem body']],
      ['/own-error-body', ['4xx: not the shared Problem body']],
    ]);
    await probe.close();
  });

  it('the OpenAPI document lists every route with its answers; errors are problem+json with the ErrorCode enum', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const documented = ours().filter((r) => !(r.schema as { hide?: boolean } | undefined)?.hide);
    expect(documented.length).toBeGreaterThan(55);
    for (const r of documented) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      for (const m of [r.method].flat().filter((x) => x !== 'HEAD')) {
        const op = doc.paths[path]?.[m.toLowerCase()];
        expect(op, `${m} ${path} in the OpenAPI document`).toBeDefined();
        const statuses = Object.keys(op!.responses);
        expect(statuses.some((s) => /^2\d\d$/.test(s)), `${m} ${path}: a success answer`).toBe(true);
        for (const s of ['4XX', '5XX']) {
          const code = op!.responses[s]?.content?.['application/problem+json']?.schema?.properties as Record<string, { enum?: string[] }> | undefined;
          expect(code?.code?.enum, `${m} ${path} ${s}: problem+json with the error codes`).toEqual(ErrorCode.options);
        }
      }
    }
    // a file is described as bytes of its media type, not as JSON
    expect(Object.keys(doc.paths['/api/v1/copies/{id}/final.pdf']!.get!.responses['200']!.content!)).toEqual(['application/pdf']);
    expect(Object.keys(doc.paths['/api/v1/students/provision']!.post!.responses['200']!.content!)).toEqual(['text/csv', 'application/pdf']);
  });

  it('a problem body is serialized through the shared schema: its code is one of ErrorCode, its extra fields kept', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = Problem.parse(res.json());
    expect(body.code).toBe('UNAUTHENTICATED');
    // a validation problem keeps its `issues` (a field the shared schema does not name) through serialization
    const bad = await app.inject({ method: 'GET', url: '/api/v1/exams?archived=maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: '/archived' })] });
  });
});
