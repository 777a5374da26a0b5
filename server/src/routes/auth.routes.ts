import { ChangePasswordBody, LoginBody, NoContent, ProblemResponses, UserResponse } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf, SESSION_COOKIE } from '../http/request.ts';
import * as auth from '../services/auth.service.ts';

export const authRoutes: RouteModule = (app, ctx) => {
  const cookieOpts = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.production,
    maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
  };

  app.post('/auth/login', { schema: { body: LoginBody, response: { 200: UserResponse, ...ProblemResponses }, tags: ['auth'] }, bodyLimit: 8 * 1024 }, async (req, reply) => {
    const { token, user } = await auth.login(ctx, req.body.email, req.body.password, {
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      previousToken: req.cookies[SESSION_COOKIE],
    });
    reply.setCookie(SESSION_COOKIE, token, cookieOpts);
    return { user };
  });

  app.post('/auth/logout', {
    schema: { querystring: z.object({ everywhere: z.enum(['true', 'false']).optional() }), response: { 204: NoContent, ...ProblemResponses }, tags: ['auth'] },
  }, async (req, reply) => {
    await auth.logout(ctx, actorOf(req), req.query.everywhere === 'true');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/auth/me', { schema: { response: { 200: UserResponse, ...ProblemResponses }, tags: ['auth'] } }, async (req) => {
    return { user: await auth.me(ctx, actorOf(req)) };
  });

  app.post('/auth/change-password', { schema: { body: ChangePasswordBody, response: { 204: NoContent, ...ProblemResponses }, tags: ['auth'] }, bodyLimit: 8 * 1024 }, async (req, reply) => {
    await auth.changePassword(ctx, actorOf(req), req.body.currentPassword, req.body.newPassword);
    return reply.status(204).send();
  });
};
