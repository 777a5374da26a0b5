import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type TestEnv } from '../helpers/harness.ts';
import { collectDbGauges } from '../../src/observability/collect.ts';
import { registry } from '../../src/observability/metrics.ts';

const RULES_FILE = path.resolve(import.meta.dirname, '../../../ops/alerts.yml');

const FUNCTIONS = new Set(['sum', 'max', 'min', 'avg', 'count', 'increase', 'rate', 'irate', 'delta', 'abs', 'absent', 'max_over_time', 'min_over_time', 'avg_over_time', 'time', 'timestamp', 'clamp_min', 'histogram_quantile', 'topk', 'bottomk']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

/** A small PromQL reader: enough to check that every rule's expression is well-formed and names real series. */
function readPromql(expr: string): { selectors: Selector[]; functions: string[]; ranges: string[]; problems: string[] } {
  const problems: string[] = [];
  const selectors: Selector[] = [];
  const functions: string[] = [];
  const ranges: string[] = [];
  let depth = 0;
  for (const ch of expr) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) problems.push('unbalanced )');
  }
  if (depth !== 0) problems.push('unbalanced (');
  const re = /([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?|\[([^\]]*)\]|(\d+(?:\.\d+)?(?:e\d+)?)|([()<>=!,+\-*/]+)|(\s+)|(.)/g;
  const tokens = [...expr.matchAll(re)];
  tokens.forEach((m, i) => {
    if (m[7]) problems.push(`unexpected character ${m[7]}`);
    if (m[3] !== undefined) {
      if (!/^\d+[smhdwy]$/.test(m[3])) problems.push(`bad range [${m[3]}]`);
      ranges.push(m[3]);
    }
    if (!m[1]) return;
    const next = tokens.slice(i + 1).find((t) => !t[6]);
    if (next?.[5]?.startsWith('(') && !m[2]) {
      if (KEYWORDS.has(m[1])) return;
      if (!FUNCTIONS.has(m[1])) problems.push(`unknown function ${m[1]}`);
      functions.push(m[1]);
      return;
    }
    if (KEYWORDS.has(m[1])) return;
    const matchers = [...(m[2] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map((x) => ({ label: x[1]!, op: x[2]!, value: x[3]! }));
    selectors.push({ metric: m[1], matchers });
  });
  return { selectors, functions, ranges, problems };
}

describe(`ops/alerts.yml Prometheus rules [${engine}]`, () => {
  let env: TestEnv;
  let exposition: string;
  const text = fs.readFileSync(RULES_FILE, 'utf8');

  beforeAll(async () => {
    env = await createTestEnv();
    const admin = await makeUser(env, 'ADMIN');
    const exam = await makeExam(admin);
    const copy = await makeCopy(env, exam.id);
    expect((await admin.req('POST', `/api/v1/copies/${copy}/finalize`, { allowUnscored: true })).status).toBe(202);
    await collectDbGauges(env.ctx);
    exposition = await registry.metrics();
  });
  afterAll(() => env.close());

  /** series present in the /metrics output: name → label sets */
  const series = () => {
    const out = new Map<string, Record<string, string>[]>();
    for (const line of exposition.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? /.exec(line);
      if (!m) continue;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
      out.set(m[1]!, [...(out.get(m[1]!) ?? []), labels]);
    }
    return out;
  };

  it('is valid YAML (strict parser, no duplicate keys) with the Prometheus rule-file structure', () => {
    const doc = YAML.parseDocument(text, { strict: true, uniqueKeys: true, prettyErrors: true });
    expect(doc.errors.map(String)).toEqual([]);
    expect(doc.warnings.map(String)).toEqual([]);
    const parsed = doc.toJS() as { groups: { name: string; rules: Record<string, unknown>[] }[] };
    expect(Object.keys(parsed)).toEqual(['groups']);
    expect(parsed.groups.length).toBeGreaterThan(0);
    const alertNames = new Set<string>();
    for (const g of parsed.groups) {
      expect(Object.keys(g).sort()).toEqual(['name', 'rules']);
      expect(g.name).toMatch(/\S/);
      for (const r of g.rules) {
        for (const k of Object.keys(r)) expect(['alert', 'expr', 'for', 'labels', 'annotations']).toContain(k);
        expect(r.alert).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        expect(alertNames.has(r.alert as string), `duplicate alert ${r.alert}`).toBe(false);
        alertNames.add(r.alert as string);
        expect(typeof r.expr).toBe('string');
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smhdwy]$/);
        expect(['warning', 'critical']).toContain((r.labels as { severity: string }).severity);
        const ann = r.annotations as { summary: string; description: string };
        expect(ann.summary).toMatch(/\S/);
        expect(ann.description).toMatch(/\S/);
        // Go templates in annotations must be closed
        expect((ann.description.match(/\{\{/g) ?? []).length).toBe((ann.description.match(/\}\}/g) ?? []).length);
      }
    }
  });

  it('every expression is well-formed PromQL naming only series that this server exports, with their labels', () => {
    const exported = series();
    const rules = (YAML.parse(text) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    for (const r of rules) {
      const q = readPromql(r.expr);
      expect(q.problems, `${r.alert}: ${r.expr}`).toEqual([]);
      expect(q.selectors.length, r.alert).toBeGreaterThan(0);
      expect(r.expr, r.alert).toMatch(/(>|<|>=|<=|==|!=)\s*\d/);
      for (const s of q.selectors) {
        const sets = exported.get(s.metric);
        expect(sets, `${r.alert}: metric ${s.metric} is not exported by /metrics`).toBeDefined();
        for (const m of s.matchers.filter((x) => x.op === '=')) {
          expect(sets!.some((l) => l[m.label] === m.value), `${r.alert}: no series ${s.metric}{${m.label}="${m.value}"}`).toBe(true);
        }
      }
      // counters are only meaningful through rate()/increase()
      for (const s of q.selectors.filter((x) => x.metric.endsWith('_total'))) {
        expect(q.functions.some((f) => f === 'increase' || f === 'rate'), `${r.alert}: raw counter ${s.metric}`).toBe(true);
      }
    }
  });

  it('covers what operations asked for: orphans > 1 GiB, finalize failures > 5/h, lock conflicts > 10/h, draft conflicts > 5/h, stuck jobs', () => {
    const rules = (YAML.parse(text) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr.replace(/\s+/g, ' ')));
    const has = (re: RegExp) => expect(rules.some((e) => re.test(e)), String(re)).toBe(true);
    has(/korrigo_orphan_bytes\) > 1073741824$/);
    has(/increase\(korrigo_finalize_failures_total\[1h\]\)\) > 5$/);
    has(/increase\(korrigo_lock_conflicts_total\[1h\]\)\) > 10$/);
    has(/increase\(korrigo_draft_conflicts_total\[1h\]\)\) > 5$/);
    has(/korrigo_job_oldest_age_seconds\{state="QUEUED"\}\) > \d+$/);
    has(/korrigo_job_oldest_age_seconds\{state="RUNNING"\}\) > \d+$/);
  });

  it('the PromQL reader used above rejects broken expressions (so the checks can fail)', () => {
    expect(readPromql('sum(increase(korrigo_x_total[1h]) > 5').problems).toContain('unbalanced (');
    expect(readPromql('sum(increase(korrigo_x_total[1 hour])) > 5').problems).toContain('bad range [1 hour]');
    expect(readPromql('summ(korrigo_x) > 1').problems).toContain('unknown function summ');
    expect(readPromql('max(korrigo_jobs{state="QUEUED"}) > 1').selectors).toEqual([{ metric: 'korrigo_jobs', matchers: [{ label: 'state', op: '=', value: 'QUEUED' }] }]);
  });

  const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  it.skipIf(!promtool)('promtool check rules accepts the file (runs only where promtool is installed)', () => {
    const r = spawnSync(promtool, ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});
