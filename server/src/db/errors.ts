/** Database errors a caller may expect, recognized on both engines. */

/** A UNIQUE or PRIMARY KEY constraint refused the write (PostgreSQL 23505; SQLite's constraint codes). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
