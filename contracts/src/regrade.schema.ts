import { z } from 'zod';
import { Id, IsoTime, UserRef } from './common.schema.ts';
import { StudentRef } from './copy.schema.ts';
import { CopyStatus } from './exam.schema.ts';

export const RegradeStatus = z.enum(['OPEN', 'ANSWERED']);
/** how an ANSWERED request was settled: ACCEPTED reopened the copy to its corrector, REJECTED kept the mark */
export const RegradeDecision = z.enum(['ACCEPTED', 'REJECTED']);
export type RegradeDecision = z.infer<typeof RegradeDecision>;

export const RegradeRequest = z.object({
  id: Id,
  copyId: Id,
  /** always present: the copy's code, what correctors work with */
  anonymousCode: z.string(),
  question: z.object({ id: Id, label: z.string() }),
  message: z.string(),
  status: RegradeStatus,
  decision: RegradeDecision.nullable(),
  answer: z.string().nullable(),
  answeredBy: UserRef.nullable(),
  answeredAt: IsoTime.nullable(),
  createdAt: IsoTime,
  /** the copy's corrector, who handles the request; null: nobody yet (an admin answers or reassigns) */
  corrector: UserRef.nullable(),
  /** null for teachers of an anonymous exam, and in the student's own view */
  student: StudentRef.nullable(),
});
export type RegradeRequest = z.infer<typeof RegradeRequest>;

export const CreateRegradeBody = z.object({
  questionId: Id,
  message: z.string().trim().min(1).max(2000),
});
export const CreateRegradeResponse = z.object({ regradeRequest: RegradeRequest });
export type CreateRegradeResponse = z.infer<typeof CreateRegradeResponse>;
export const RegradeListQuery = z.object({ status: RegradeStatus.optional() });
export const ExamRegradeList = z.object({
  items: z.array(RegradeRequest),
  /** after it students can no longer ask; null: no deadline */
  regradeDeadline: IsoTime.nullable(),
});
export type ExamRegradeList = z.infer<typeof ExamRegradeList>;
/** The requests of one copy; `review`: the copy was reopened and is being regraded since `reopenedAt`. */
export const CopyRegradeList = z.object({
  items: z.array(RegradeRequest),
  review: z.object({ reopenedAt: IsoTime, previousTotal: z.number().int() }).nullable(),
});
export type CopyRegradeList = z.infer<typeof CopyRegradeList>;
/**
 * `decision: ACCEPTED` moves the copy GRADED → READY (state machine) to its corrector, in the answer's
 * transaction (on a copy already reopened for another request, it joins that review); `REJECTED` keeps the mark,
 * `message` being the reason. `reopen` is the first version of this field (`reopen: true` = ACCEPTED).
 */
export const AnswerRegradeBody = z.object({
  message: z.string().trim().min(1).max(2000),
  decision: RegradeDecision.optional(),
  reopen: z.boolean().optional(),
});
export const AnswerRegradeResponse = z.object({
  regradeRequest: RegradeRequest,
  copyStatus: CopyStatus,
});
export type AnswerRegradeResponse = z.infer<typeof AnswerRegradeResponse>;
export const ReassignRegradeBody = z.object({ userId: Id });
export const ReassignRegradeResponse = z.object({ regradeRequest: RegradeRequest, corrector: UserRef });
export type ReassignRegradeResponse = z.infer<typeof ReassignRegradeResponse>;
export const RegradeDeadlineBody = z.object({ deadline: z.iso.datetime({ offset: true }).nullable() });
export const RegradeDeadlineResponse = z.object({ examId: Id, regradeDeadline: IsoTime.nullable() });
export type RegradeDeadlineResponse = z.infer<typeof RegradeDeadlineResponse>;
