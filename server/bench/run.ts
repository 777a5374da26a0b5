/**
 * `npm run bench [-- --only=ingest,finalize,http,scale,papers] [--profile]`: Korrigo against the original pipeline and
 * against its own targets. Prints the machine, each figure as it is measured, then one table with met / not met.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { describeMachine } from './lib/machine.ts';
import { printProfiles } from './lib/profile.ts';
import { Report } from './lib/report.ts';
import { benchIngest } from './ingest.bench.ts';
import { benchFinalize } from './finalize.bench.ts';
import { benchHttp } from './http.bench.ts';
import { benchScale } from './scale.bench.ts';
import { benchPapers } from './papers.bench.ts';
import { benchBrowser } from './browser.bench.ts';

type Bench = (report: Report, opts: { profileDir?: string }) => Promise<void>;
const benches: Record<string, Bench> = { ingest: benchIngest, finalize: benchFinalize, http: benchHttp, scale: benchScale, papers: benchPapers, browser: benchBrowser };

const { values } = parseArgs({ options: { only: { type: 'string' }, profile: { type: 'boolean' } } });
const selected = values.only ? values.only.split(',').map((s) => s.trim()) : Object.keys(benches);
const unknown = selected.filter((s) => !benches[s]);
if (unknown.length) {
  console.error(`Unknown bench ${unknown.join(', ')}; choose among ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
const profileDir = values.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-bench-profiles-')) : undefined;

const machine = await describeMachine();
console.log('Korrigo benchmarks\n' + machine.map((l) => `  ${l}`).join('\n') + '\n');
const report = new Report();
let crashed = false;
const started = performance.now();
for (const name of selected) {
  try {
    await benches[name]!(report, { profileDir });
  } catch (err) {
    crashed = true;
    report.note(`the ${name} bench stopped with an error: ${(err as Error).stack ?? String(err)}`);
  }
}
console.log(`\nKorrigo benchmarks — ${((performance.now() - started) / 1000).toFixed(0)} s`);
for (const l of machine) console.log(`  ${l}`);
console.log(`  load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
report.print();
if (profileDir) printProfiles(profileDir);
process.exit(crashed ? 1 : 0);
