/**
 * The one way to queue a job (DESIGN.md §7): the job row is inserted in the caller's transaction, so it exists
 * exactly when the change that needs it commits, and this process's runner is woken once that transaction has
 * committed (woken earlier, it would find nothing to claim and sleep until its next poll). Runners of other
 * processes find the job by polling. Open the transaction with `transaction()` from db/transaction.ts.
 */
import { EventEmitter } from 'node:events';
import type { Executor } from '../db/database.ts';
import { afterCommit } from '../db/transaction.ts';
import { insertJob } from '../repositories/job.repository.ts';
import type { JobKind, JobPayloads } from './types.ts';

/** In-process wake-up of the runners (runner.ts listens). */
export const jobSignals = new EventEmitter();

export interface NewJob<K extends JobKind> {
  kind: K;
  /** the row the job is about (copy, upload), for "the running job of this copy" */
  refId: string | null;
  payload: JobPayloads[K];
  now: string;
  maxAttempts?: number;
}

/** Queues `job` in `tx`; the runner is woken after commit. Returns the job's id. */
export async function enqueueJob<K extends JobKind>(tx: Executor, job: NewJob<K>): Promise<string> {
  const id = await insertJob(tx, job);
  afterCommit(tx, () => jobSignals.emit('enqueued'));
  return id;
}
