/**
 * HTTP under load, on the real server in its own process, on SQLite then PostgreSQL:
 *  - autosave: 64 connections PUT /copies/:id/draft, each request on a copy no other request is using, with the
 *    version the previous save of that copy returned (so a correct server answers 200 every time);
 *  - lock storm: 100 teachers at once POST /copies/:id/lock on one copy, several rounds on fresh copies.
 * After each run the database is checked: one lease per copy, draft version == successful saves, one holder.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { AppContext } from '../src/context.ts';
import { tinyJpeg } from '../test/helpers/images.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import type { Report } from './lib/report.ts';
import { openContext, retryBusy, seedCopies, seedExam, seedUsers, type SeedUser } from './lib/seed.ts';
import { createPgDatabase, readCpuSeconds, startServer, tempDir } from './lib/server.ts';
import { fmt, percentile } from './lib/stats.ts';

const AUTOSAVE_CONNECTIONS = 64;
const AUTOSAVE_REQUESTS = Number(process.env.KORRIGO_BENCH_AUTOSAVE_REQUESTS ?? 64 * 250);
const STORM_CLIENTS = 100;
const STORM_ROUNDS = 10;

const TARGETS = {
  sqlite: { rps: 2000, p99: 20 },
  postgres: { rps: 1500, p99: 30 },
};

export async function benchHttp(report: Report, opts: { profileDir?: string }): Promise<void> {
  for (const engine of ['sqlite', 'postgres'] as const) await benchEngine(engine, report, opts);
}

interface SaveClient {
  user: SeedUser;
  copyId: string;
  token: string;
  version: number;
  ok: number;
}

async function benchEngine(engine: 'sqlite' | 'postgres', report: Report, opts: { profileDir?: string }) {
  const work = tempDir(`http-${engine}`);
  let databaseUrl = path.join(work, 'korrigo.sqlite');
  let pgDb: Awaited<ReturnType<typeof createPgDatabase>> = null;
  if (engine === 'postgres') {
    pgDb = await createPgDatabase('http');
    if (!pgDb) {
      report.note('PostgreSQL not reachable (KORRIGO_BENCH_PG_URL): HTTP figures on PostgreSQL skipped');
      return;
    }
    databaseUrl = pgDb.url;
  }
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const ctx = await openContext(work, databaseUrl);
  try {
    console.log(`HTTP on ${label}: seeding ${AUTOSAVE_CONNECTIONS} + ${STORM_CLIENTS} teachers and their copies…`);
    const [admin] = await seedUsers(ctx, 'admin', 1, 'ADMIN');
    const savers = await seedUsers(ctx, 'saver', AUTOSAVE_CONNECTIONS, 'TEACHER');
    const stormers = await seedUsers(ctx, 'stormer', STORM_CLIENTS, 'TEACHER');
    const exam = await seedExam(ctx, admin!.actor, [...savers, ...stormers].map((u) => u.actor), 2);
    const image = await ctx.blobs.put((await tinyJpeg()).bytes, 'image/jpeg');
    const copyIds = await seedCopies(
      ctx,
      exam.id,
      Array.from({ length: AUTOSAVE_CONNECTIONS + STORM_ROUNDS }, (_, i) => ({ code: `H${String(i).padStart(4, '0')}`, status: 'READY' as const, pages: [image, image] })),
    );
    const saveCopies = copyIds.slice(0, AUTOSAVE_CONNECTIONS);
    const stormCopies = copyIds.slice(AUTOSAVE_CONNECTIONS);

    const server = await startServer({ dataDir: work, databaseUrl, profileDir: opts.profileDir });
    try {
      const clients = await acquireLeases(server.url, savers, saveCopies);
      console.log(`HTTP on ${label}: autosave, ${AUTOSAVE_CONNECTIONS} connections, ${AUTOSAVE_REQUESTS} saves…`);
      await autosave(server.url, clients, AUTOSAVE_CONNECTIONS * 10); // warm-up
      const cpuBefore = readCpuSeconds(server.pid);
      const loadCpuBefore = process.cpuUsage();
      const save = await autosave(server.url, clients, AUTOSAVE_REQUESTS);
      const serverCpuMs = ((readCpuSeconds(server.pid) - cpuBefore) * 1000) / save.completed;
      const loadCpu = process.cpuUsage(loadCpuBefore);
      const loadCpuMs = (loadCpu.user + loadCpu.system) / 1000 / save.completed;
      const saveCheck = await checkAutosave(ctx, clients);
      console.log(`    invariants: ${saveCheck.lines.join('; ')}`);
      const t = TARGETS[engine];
      report.add({
        bench: `Autosave ${label}`,
        figure: `${AUTOSAVE_CONNECTIONS} clients PUT draft: req/s · p50 / p99 ms · non-2xx`,
        korrigo: `${fmt(save.rps, 0)} req/s · ${fmt(save.p50, 1)} / ${fmt(save.p99, 1)} ms · ${save.non2xx + save.errors + save.timeouts}`,
        target: `≥ ${t.rps} req/s, p99 < ${t.p99} ms, 0 errors, invariants hold`,
        met: save.rps >= t.rps && save.p99 < t.p99 && save.non2xx + save.errors + save.timeouts === 0 && saveCheck.ok,
      });
      report.add({
        bench: `Autosave ${label}`,
        figure: 'CPU per save: server process · load generator',
        korrigo: `${fmt(serverCpuMs, 2)} ms (≤ ${fmt(1000 / serverCpuMs, 0)} saves/s per core) · ${fmt(loadCpuMs, 2)} ms`,
      });
      report.add({ bench: `Autosave ${label}`, figure: 'database after the run', korrigo: saveCheck.lines.join('; ') });
      if (!saveCheck.ok) report.note(`autosave on ${label}: invariant broken — ${saveCheck.lines.join('; ')}`);

      console.log(`HTTP on ${label}: lock storm, ${STORM_CLIENTS} clients × ${STORM_ROUNDS} copies…`);
      const storm = await lockStorm(ctx, server.url, server.pid, stormers, stormCopies);
      console.log(`    invariants: ${storm.lines.join('; ')}`);
      report.add({
        bench: `Lock storm ${label}`,
        figure: `${STORM_CLIENTS} clients on one copy (${STORM_ROUNDS} rounds): holders · p50 / p99 ms`,
        korrigo: `${storm.holders.join(',')} · ${fmt(storm.p50, 1)} / ${fmt(storm.p99, 1)} ms (server CPU ${fmt(storm.cpuMs, 2)} ms per answer)`,
        target: 'exactly 1 holder per copy, p99 < 50 ms',
        met: storm.ok && storm.p99 < 50,
      });
      report.add({ bench: `Lock storm ${label}`, figure: 'database after each round', korrigo: storm.lines.join('; ') });
      if (!storm.ok) report.note(`lock storm on ${label}: invariant broken — ${storm.lines.join('; ')}`);
    } finally {
      await server.stop();
    }
  } finally {
    await ctx.db.destroy();
    await pgDb?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function acquireLeases(base: string, users: SeedUser[], copyIds: string[]): Promise<SaveClient[]> {
  return Promise.all(
    users.map(async (user, i) => {
      const res = await fetch(`${base}/api/v1/copies/${copyIds[i]}/lock`, { method: 'POST', headers: { cookie: user.cookie } });
      const body = (await res.json()) as { token: string };
      if (res.status !== 200) throw new Error(`lease for copy ${copyIds[i]}: ${res.status} ${JSON.stringify(body)}`);
      return { user, copyId: copyIds[i]!, token: body.token, version: 0, ok: 0 };
    }),
  );
}

/** A draft like the desk saves: the annotations in progress and the scores typed so far (about 1.5 KB). */
const draftPayload = (n: number) => ({
  page: n % 2,
  annotations: Array.from({ length: 8 }, (_, i) => ({ id: `tmp-${i}`, type: 'COMMENT', pagePosition: i % 2, x: 0.1, y: 0.05 * i, w: 0.3, h: 0.04, content: `Remarque ${i} : justifier le passage à la limite` })),
  scores: { q1a: 350, q1b: 400, q2: null },
  savedAt: n,
});

/**
 * Each request takes a copy no other in-flight request holds and sends that copy's last version; the response's
 * version becomes the next baseVersion. autocannon's per-connection context is reset after every request when
 * there is one request in the list, so the copy travels in the context only from setup to response.
 */
function autosave(base: string, clients: SaveClient[], amount: number): Promise<LoadResult> {
  const idle = [...clients];
  let n = 0;
  return runLoad({
    url: base,
    connections: AUTOSAVE_CONNECTIONS,
    amount,
    requests: [
      {
        method: 'PUT',
        setupRequest(req, context) {
          const c = idle.shift();
          if (!c) throw new Error('more requests in flight than copies: a response was lost');
          context.client = c;
          return {
            ...req,
            path: `/api/v1/copies/${c.copyId}/draft`,
            headers: { cookie: c.user.cookie, 'x-lock-token': c.token, 'content-type': 'application/json' },
            body: JSON.stringify({ payload: draftPayload(n++), baseVersion: c.version, clientId: `bench-${c.user.actor.id.slice(0, 8)}` }),
          };
        },
        onResponse(status, body, context) {
          const c = context.client as SaveClient;
          if (status === 200) {
            c.version = (JSON.parse(body) as { version: number }).version;
            c.ok++;
          }
          idle.push(c);
        },
      },
    ],
  });
}

async function checkAutosave(ctx: AppContext, clients: SaveClient[]): Promise<{ ok: boolean; lines: string[] }> {
  const ids = clients.map((c) => c.copyId);
  const drafts = await retryBusy(() => ctx.db.selectFrom('draft_states').select(['copy_id', 'owner_id', 'version']).where('copy_id', 'in', ids).execute());
  const leases = await retryBusy(() => ctx.db.selectFrom('copy_locks').select(['copy_id', 'owner_id', 'token']).where('copy_id', 'in', ids).execute());
  const saves = clients.reduce((n, c) => n + c.ok, 0);
  const versions = drafts.reduce((n, d) => n + d.version, 0);
  const draftMismatch = clients.filter((c) => {
    const d = drafts.filter((r) => r.copy_id === c.copyId);
    return d.length !== 1 || d[0]!.owner_id !== c.user.actor.id || d[0]!.version !== c.ok;
  }).length;
  const leaseMismatch = clients.filter((c) => {
    const l = leases.filter((r) => r.copy_id === c.copyId);
    return l.length !== 1 || l[0]!.owner_id !== c.user.actor.id || l[0]!.token !== c.token;
  }).length;
  return {
    ok: draftMismatch === 0 && leaseMismatch === 0 && versions === saves,
    lines: [
      `${leases.length} lease rows for ${clients.length} copies (${leaseMismatch} wrong)`,
      `draft versions sum ${versions} == ${saves} successful saves (${draftMismatch} copies differ)`,
    ],
  };
}

async function lockStorm(ctx: AppContext, base: string, pid: number, users: SeedUser[], copyIds: string[]) {
  let cpuSeconds = 0;
  const latencies: LoadResult[] = [];
  const holders: number[] = [];
  const lines: string[] = [];
  let ok = true;
  for (const copyId of copyIds) {
    const waiting = [...users];
    const winners = new Set<string>();
    const statuses: Record<number, number> = {};
    const cpuBefore = readCpuSeconds(pid);
    const result = await runLoad({
      url: base,
      connections: STORM_CLIENTS,
      amount: STORM_CLIENTS,
      requests: [
        {
          method: 'POST',
          setupRequest(req, context) {
            const user = waiting.shift()!;
            context.user = user;
            return { ...req, path: `/api/v1/copies/${copyId}/lock`, headers: { cookie: user.cookie } };
          },
          onResponse(status, body, context) {
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status === 200) {
              const owner = (JSON.parse(body) as { owner: { id: string } }).owner.id;
              if (owner !== (context.user as SeedUser).actor.id) ok = false;
              winners.add(owner);
            }
          },
        },
      ],
    });
    cpuSeconds += readCpuSeconds(pid) - cpuBefore;
    latencies.push(result);
    const rows = await retryBusy(() => ctx.db.selectFrom('copy_locks').select(['owner_id']).where('copy_id', '=', copyId).execute());
    const roundOk = winners.size === 1 && rows.length === 1 && rows[0]!.owner_id === [...winners][0] && (statuses[200] ?? 0) === 1 &&
      (statuses[409] ?? 0) === STORM_CLIENTS - 1;
    if (!roundOk) {
      ok = false;
      lines.push(`copy ${copyId}: ${winners.size} distinct 200 owners, ${rows.length} lease rows, statuses ${JSON.stringify(statuses)}`);
    }
    holders.push(winners.size);
  }
  // percentiles over every answer of every round, not an average of per-round percentiles
  const all = latencies.flatMap((l) => l.latencies);
  lines.unshift(
    `${copyIds.length} rounds, ${all.length} answers: per round ${[...new Set(holders)].join('/')} distinct 200 owner(s), ` +
      `${ok ? 'exactly one 200, 99 × 409 and one lease row owned by the winner' : 'INVARIANT BROKEN'}`,
  );
  return { ok, holders: [...new Set(holders)], p50: percentile(all, 50), p99: percentile(all, 99), cpuMs: (cpuSeconds * 1000) / all.length, lines };
}
