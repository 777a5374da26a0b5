import type { Transaction } from 'kysely';
import type { Db, Executor } from './database.ts';
import type { Database } from './schema.ts';

/** Work to do once a transaction has committed (never if it rolls back), keyed by the transaction object. */
const onCommit = new WeakMap<Transaction<Database>, Array<() => void>>();

/**
 * `db.transaction().execute(fn)`, plus the `afterCommit` callbacks registered inside it, run in order once the
 * commit succeeded. A transaction that throws drops them.
 */
export async function transaction<T>(db: Db, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  const callbacks: Array<() => void> = [];
  const result = await db.transaction().execute((tx) => {
    onCommit.set(tx, callbacks);
    return fn(tx);
  });
  for (const callback of callbacks) callback();
  return result;
}

/**
 * Runs `callback` after `ex` commits: at once when `ex` is no transaction (each statement commits by itself).
 * A transaction not opened by `transaction()` has no commit to wait for here: that is a programming error, said loudly
 * rather than running the callback too early.
 */
export function afterCommit(ex: Executor, callback: () => void): void {
  if (!ex.isTransaction) return callback();
  const callbacks = onCommit.get(ex as Transaction<Database>);
  if (!callbacks) throw new Error('afterCommit needs a transaction opened with transaction() from db/transaction.ts');
  callbacks.push(callback);
}
