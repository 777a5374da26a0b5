import type { Insertable, Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AnnotationsTable } from '../db/schema.ts';

export const listAnnotations = (ex: Executor, copyId: string) =>
  ex.selectFrom('annotations').selectAll().where('copy_id', '=', copyId).orderBy('created_at').orderBy('id').execute();

export const findAnnotation = (ex: Executor, id: string) => ex.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst();

export const insertAnnotation = (ex: Executor, row: Insertable<AnnotationsTable>) =>
  ex.insertInto('annotations').values(row).returningAll().executeTakeFirstOrThrow();

/** version = version + 1 only if the client's version is current (P0-DI-007). */
export const updateAnnotationIfVersion = (ex: Executor, id: string, version: number, patch: Updateable<AnnotationsTable>) =>
  ex
    .updateTable('annotations')
    .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();

export const deleteAnnotationIfVersion = (ex: Executor, id: string, version: number) =>
  ex.deleteFrom('annotations').where('id', '=', id).where('version', '=', version).executeTakeFirst().then((r) => Number(r.numDeletedRows));
