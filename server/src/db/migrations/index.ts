import type { Migration } from 'kysely';
import * as m001 from './001_initial.ts';
import * as m002 from './002_workflow.ts';
import * as m003 from './003_scan_page_ranges.ts';
import * as m004 from './004_pages_image_range_check.ts';
import * as m005 from './005_unscored_questions.ts';
import * as m006 from './006_exam_owners_attendance.ts';
import * as m007 from './007_regrade_loop.ts';
import * as m008 from './008_page_repair.ts';
import * as m009 from './009_masked_pages.ts';
import * as m010 from './010_rubrics.ts';
import * as m011 from './011_printed_papers.ts';

/** Numbered migrations, in order. Never edit one that has landed: add the next number. */
export const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_workflow': m002,
  '003_scan_page_ranges': m003,
  '004_pages_image_range_check': m004,
  '005_unscored_questions': m005,
  '006_exam_owners_attendance': m006,
  '007_regrade_loop': m007,
  '008_page_repair': m008,
  '009_masked_pages': m009,
  '010_rubrics': m010,
  '011_printed_papers': m011,
};
