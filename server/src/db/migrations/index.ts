import type { Migration } from 'kysely';
import * as m001 from './001_initial.ts';
import * as m002 from './002_workflow.ts';
import * as m003 from './003_scan_page_ranges.ts';
import * as m006 from './006_exam_owners_attendance.ts';

/** Numbered migrations, in order. Never edit one that has landed: add the next number. */
export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_workflow': m002,
  '003_scan_page_ranges': m003,
  '006_exam_owners_attendance': m006,
};
