/**
 * The grading desk in Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH), on the demo exam (`korrigo
 * demo`: 28 copies of 2 scanned pages ingested through the real pipeline), served by the real server from web/dist:
 *  - cold: a fresh browser context (empty cache) navigates to /copies/:id/grade;
 *  - warm: the same context loads another copy's desk (the app's code and styles cached);
 *  - next copy: in an open desk, after a second of grading, `j` (next copy) until the next copy's page is painted.
 * Each time: from the navigation (or the key) to the first page image decoded and painted (the next animation
 * frame after the <img> is complete), and the chain of requests up to it. Medians of several runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runDemo } from '../src/cli/demo.ts';
import { closePdfPool } from '../src/pdf/pool.ts';
import type { Report } from './lib/report.ts';
import { openContext, seedUsers } from './lib/seed.ts';
import { startServer, tempDir } from './lib/server.ts';
import { fmt, percentile } from './lib/stats.ts';

const RUNS = 5;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// KORRIGO_BENCH_WEB_DIST: another build of the web app (e.g. an older one, to compare)
const webDist = process.env.KORRIGO_BENCH_WEB_DIST ?? path.resolve(import.meta.dirname, '../../web/dist');
const TARGETS = { cold: 300, next: 150 };

interface Timed {
  ms: number;
  chain: string;
}

export async function benchBrowser(report: Report): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) return report.note(`browser bench skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  if (!fs.existsSync(path.join(webDist, 'index.html'))) return report.note('browser bench skipped: web/dist is missing (npm run build -w web)');
  const work = tempDir('browser');
  const databaseUrl = path.join(work, 'korrigo.sqlite');
  const ctx = await openContext(work, databaseUrl);
  let copyIds: string[];
  let cookie: string;
  try {
    const [admin] = await seedUsers(ctx, 'desk-admin', 1, 'ADMIN');
    cookie = admin!.cookie;
    console.log('Browser: creating the demo exam (korrigo demo)…');
    const demo = await runDemo(ctx, () => {});
    copyIds = demo.copyIds;
  } finally {
    await closePdfPool();
    await ctx.db.destroy();
  }
  const server = await startServer({ dataDir: work, databaseUrl, webDist, jobs: false });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const [name, value] = cookie.split(/=(.*)/s) as [string, string];
    const cookies = [{ name, value, url: server.url }];
    const ids = copyIds.slice(0, 2 * RUNS + 2);
    const cold: Timed[] = [];
    const warm: Timed[] = [];
    const next: Timed[] = [];
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addCookies(cookies);
      const page = await context.newPage();
      cold.push(await openDesk(page, `${server.url}/copies/${ids[2 * run]}/grade`));
      warm.push(await openDesk(page, `${server.url}/copies/${ids[2 * run + 1]}/grade`));
      next.push(await nextCopy(page));
      await context.close();
    }
    const row = (label: string, xs: Timed[], target?: number) => {
      const ms = xs.map((x) => x.ms);
      const p50 = percentile(ms, 50);
      report.add({
        bench: 'Browser desk',
        figure: `${label}: navigation → first page painted, median / max of ${xs.length} (ms)`,
        korrigo: `${fmt(p50, 0)} / ${fmt(Math.max(...ms), 0)} ms`,
        target: target ? `< ${target} ms (quiet machine)` : undefined,
        met: target ? p50 < target : undefined,
      });
      report.add({ bench: 'Browser desk', figure: `${label}: requests up to it (start→end ms)`, korrigo: xs[Math.floor(xs.length / 2)]!.chain });
    };
    row('cold (empty cache)', cold, TARGETS.cold);
    row('warm (another copy, app cached)', warm);
    row('next copy (j, after 1 s of grading)', next, TARGETS.next);
  } finally {
    await browser?.close();
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Records the requests of a page (relative to `origin`, the navigation's or the key's time, in page ms). */
function recordRequests(page: Page) {
  const seen: Array<{ url: string; start: number; end: number }> = [];
  const onDone = (req: import('playwright-core').Request) => {
    const t = req.timing();
    if (t.startTime <= 0) return;
    const u = new URL(req.url());
    seen.push({ url: u.pathname.replace(/[0-9a-f-]{36}/g, ':id').replace(/^\/assets\/.*\.(js|css)$/, 'assets/*.$1'), start: t.startTime, end: t.startTime + Math.max(0, t.responseEnd) });
  };
  page.on('requestfinished', onDone);
  return {
    chain(originEpochMs: number, untilMs: number) {
      page.off('requestfinished', onDone);
      return seen
        .filter((r) => r.start >= originEpochMs && r.start - originEpochMs <= untilMs)
        .sort((a, b) => a.start - b.start)
        .map((r) => `${r.url} ${fmt(r.start - originEpochMs, 0)}→${fmt(r.end - originEpochMs, 0)}`)
        .join(', ');
    },
  };
}

const PAINTED = `new Promise((resolve) => {
  const check = () => {
    const img = document.querySelector('.page-scroll .page-frame img');
    if (img && img.complete && img.naturalWidth > 0 && (!window.__want || img.src.includes(window.__want))) {
      requestAnimationFrame(() => resolve(performance.now()));
    } else requestAnimationFrame(check);
  };
  check();
})`;

async function openDesk(page: Page, url: string): Promise<Timed> {
  const requests = recordRequests(page);
  await page.goto(url, { waitUntil: 'commit' });
  const painted = (await page.evaluate(PAINTED)) as number;
  const origin = (await page.evaluate('performance.timeOrigin')) as number;
  return { ms: painted, chain: requests.chain(origin, painted) };
}

async function nextCopy(page: Page): Promise<Timed> {
  await page.waitForTimeout(1000); // grading: the desk loads the next copy ahead meanwhile
  const current = new URL(page.url()).pathname.split('/')[2]!;
  const requests = recordRequests(page);
  const t0 = (await page.evaluate('performance.now()')) as number;
  await page.keyboard.press('j');
  await page.waitForURL((u) => !u.pathname.includes(current));
  const want = new URL(page.url()).pathname.split('/')[2]!;
  const painted = (await page.evaluate(`(window.__want = ${JSON.stringify(want)}, ${PAINTED})`)) as number;
  const origin = (await page.evaluate('performance.timeOrigin')) as number;
  return { ms: painted - t0, chain: requests.chain(origin + t0, painted - t0) };
}
