#!/usr/bin/env node
/**
 * `npm test`: the whole suite. Server tests run twice — on SQLite and on PostgreSQL — then the web unit tests
 * and, when Chromium is installed, the browser tests. Locally, a missing PostgreSQL or Chromium is reported as
 * SKIPPED in plain words; under CI=true it is a failure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const pgUrl = new URL(process.env.KORRIGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const results = [];

function run(label, cmd, args, env = {}) {
  console.log(`\n━━━ ${label} ━━━`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  results.push({ label, ok: r.status === 0, status: r.status === 0 ? 'passed' : 'FAILED' });
}
function skip(label, why) {
  results.push({ label, ok: !CI, status: CI ? `FAILED (required in CI: ${why})` : `SKIPPED — ${why}` });
}
const reachable = (host, port) =>
  new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
  });

const only = process.argv[2];
if (!only || only === 'server') {
  run('server tests on SQLite', 'npx', ['vitest', 'run', '--root', 'server'], { KORRIGO_TEST_DB: 'sqlite' });
  if (await reachable(pgUrl.hostname, pgUrl.port || 5432)) {
    run('server tests on PostgreSQL', 'npx', ['vitest', 'run', '--root', 'server'], { KORRIGO_TEST_DB: 'postgres' });
  } else {
    skip('server tests on PostgreSQL', `PostgreSQL not reachable at ${pgUrl.host} (set KORRIGO_TEST_PG_URL)`);
  }
}
if (!only || only === 'web') {
  if (fs.existsSync('web/vitest.config.ts')) run('web unit tests', 'npx', ['vitest', 'run', '--root', 'web']);
}
if (!only || only === 'e2e') {
  if (!fs.existsSync('web/e2e/vitest.config.ts')) skip('browser tests', 'web/e2e is missing');
  else if (!fs.existsSync(chromium)) skip('browser tests', `Chromium not found at ${chromium} (apt-get install -y chromium)`);
  else {
    run('build web app', 'npm', ['run', 'build', '-w', 'web']);
    run('browser tests (Chromium)', 'npx', ['vitest', 'run', '--config', 'web/e2e/vitest.config.ts'], { CHROMIUM_PATH: chromium });
  }
}

console.log('\n━━━ summary ━━━');
for (const r of results) console.log(`${r.ok ? '✔' : '✘'} ${r.label}: ${r.status}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
