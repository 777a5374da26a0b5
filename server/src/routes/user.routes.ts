import { CreateUserBody, Id, ListQuery, ProblemResponses, Role, UpdateUserBody, UserPage, UserResponse } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as userService from '../services/user.service.ts';

export const userRoutes: RouteModule = (app, ctx) => {
  app.post('/users', { schema: { body: CreateUserBody, response: { 201: UserResponse, ...ProblemResponses }, tags: ['users'] } }, async (req, reply) => {
    const user = await userService.createUserAsAdmin(ctx, actorOf(req), req.body);
    return reply.status(201).send({ user });
  });
  app.get('/users', { schema: { querystring: ListQuery.extend({ role: Role.optional() }), response: { 200: UserPage, ...ProblemResponses }, tags: ['users'] } }, async (req) =>
    userService.listUsers(ctx, actorOf(req), req.query),
  );
  app.patch('/users/:id', { schema: { params: z.object({ id: Id }), body: UpdateUserBody, response: { 200: UserResponse, ...ProblemResponses }, tags: ['users'] } }, async (req) => ({
    user: await userService.updateUser(ctx, actorOf(req), req.params.id, req.body),
  }));
};
