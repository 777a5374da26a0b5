import {
  CopyListQuery,
  CopyPage,
  CorrectorsBody,
  CreateExamBody,
  ExamListQuery,
  ExamPage,
  ExamResponse,
  Id,
  NoContent,
  ProblemResponses,
  UpdateExamBody,
} from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as exams from '../services/exam.service.ts';
import { listExamCopies } from '../services/copy.service.ts';

const Params = z.object({ id: Id });
const examOk = { 200: ExamResponse, ...ProblemResponses };

export const examRoutes: RouteModule = (app, ctx) => {
  app.post('/exams', { schema: { body: CreateExamBody, response: { 201: ExamResponse, ...ProblemResponses }, tags: ['exams'] } }, async (req, reply) =>
    reply.status(201).send({ exam: await exams.createExam(ctx, actorOf(req), req.body) }),
  );
  app.get('/exams', { schema: { querystring: ExamListQuery, response: { 200: ExamPage, ...ProblemResponses }, tags: ['exams'] } }, async (req) => {
    const items = await exams.listExams(ctx, actorOf(req), req.query.archived);
    return { items, nextCursor: null };
  });
  app.get('/exams/:id', { schema: { params: Params, response: examOk, tags: ['exams'] } }, async (req) => ({ exam: await exams.getExam(ctx, actorOf(req), req.params.id) }));
  app.patch('/exams/:id', { schema: { params: Params, body: UpdateExamBody, response: examOk, tags: ['exams'] } }, async (req) => ({
    exam: await exams.updateExam(ctx, actorOf(req), req.params.id, req.body),
  }));
  app.delete('/exams/:id', { schema: { params: Params, response: { 204: NoContent, ...ProblemResponses }, tags: ['exams'] } }, async (req, reply) => {
    await exams.deleteExam(ctx, actorOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.post('/exams/:id/archive', { schema: { params: Params, response: examOk, tags: ['exams'] } }, async (req) => ({
    exam: await exams.setArchived(ctx, actorOf(req), req.params.id, true),
  }));
  app.post('/exams/:id/unarchive', { schema: { params: Params, response: examOk, tags: ['exams'] } }, async (req) => ({
    exam: await exams.setArchived(ctx, actorOf(req), req.params.id, false),
  }));
  app.put('/exams/:id/correctors', { schema: { params: Params, body: CorrectorsBody, response: examOk, tags: ['exams'] } }, async (req) => ({
    exam: await exams.setCorrectors(ctx, actorOf(req), req.params.id, req.body.userIds),
  }));
  app.get('/exams/:id/copies', { schema: { params: Params, querystring: CopyListQuery, response: { 200: CopyPage, ...ProblemResponses }, tags: ['copies'] } }, async (req) =>
    listExamCopies(ctx, actorOf(req), req.params.id, req.query),
  );
};
