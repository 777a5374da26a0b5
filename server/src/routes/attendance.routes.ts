import { AttendanceList, AttendanceQuery, Id, ProblemResponses, SetAttendanceBody, SetAttendanceResponse } from '@korrigo/contracts';
import { z } from 'zod';
import type { RouteModule } from '../http/request.ts';
import { actorOf } from '../http/request.ts';
import * as attendance from '../services/attendance.service.ts';

const tags = ['attendance'];

export const attendanceRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/exams/:id/attendance',
    { schema: { params: z.object({ id: Id }), querystring: AttendanceQuery, response: { 200: AttendanceList, ...ProblemResponses }, tags } },
    async (req) => attendance.listAttendance(ctx, actorOf(req), req.params.id, req.query),
  );
  app.put(
    '/exams/:id/attendance/:studentId',
    { schema: { params: z.object({ id: Id, studentId: Id }), body: SetAttendanceBody, response: { 200: SetAttendanceResponse, ...ProblemResponses }, tags } },
    async (req) => attendance.setAttendance(ctx, actorOf(req), req.params.id, req.params.studentId, req.body.status),
  );
};
