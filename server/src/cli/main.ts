#!/usr/bin/env node
/** `korrigo <command>` — see API.md "Command line". */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.ts';
import { createContext, type AppContext } from '../context.ts';
import { migrateToLatest } from '../db/database.ts';
import { buildApp } from '../http/app.ts';
import { JobRunner } from '../jobs/runner.ts';
import { jobHandlers } from '../jobs/index.ts';
import { bootstrapAdmin, createUser } from '../services/auth.service.ts';
import { cleanupOrphans, parseDuration } from '../services/cleanup.service.ts';
import { randomToken } from '../ids.ts';
import { runDemo } from './demo.ts';
import { startMaintenance } from '../services/recovery.service.ts';
import { recoverStuckCommand } from './recover.ts';
import { backupCommand, restoreCommand } from './backup.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDist = path.resolve(here, '../../../web/dist');

type Command = (ctx: AppContext, args: string[]) => Promise<void>;

const usage = `Usage: korrigo <command>
  serve [--no-jobs]            run the API (and, by default, the job runner)
  worker                       run only the job runner
  migrate                      apply database migrations
  users create --email E --role ADMIN|TEACHER|STUDENT (--password P | --generate) [--name N]
  cleanup-orphans [--dry-run] [--grace 1h]
  demo                         create a demo exam: a class, a corrector and a scan ingested into copies
  recover-stuck                expired leases, jobs of dead workers, copies whose rendering job was lost
  backup <file>                archive the database and every stored file (safe while serving)
  restore <file> [--force]     into an empty instance (--force replaces a non-empty one)
`;

const commands: Record<string, Command> = {
  demo: (ctx) => runDemo(ctx).then(() => undefined),
  async serve(ctx, args) {
    const { values } = parseArgs({ args, options: { 'no-jobs': { type: 'boolean' } } });
    const boot = await bootstrapAdmin(ctx);
    const app = await buildApp(ctx, { logger: true });
    const runner = values['no-jobs'] ? null : new JobRunner(ctx, jobHandlers);
    await app.listen({ port: ctx.config.port, host: ctx.config.host });
    runner?.start();
    const maintenance = startMaintenance(ctx);
    const url = `http://${ctx.config.host === '0.0.0.0' ? 'localhost' : ctx.config.host}:${ctx.config.port}/`;
    const db = ctx.dialect === 'postgres' ? 'PostgreSQL' : `SQLite (${ctx.config.databaseUrl})`;
    console.log(`\nKorrigo is running at ${url}  — database: ${db}${runner ? '' : ', jobs: off'}`);
    if (boot?.password) {
      console.log(`First start: an admin account was created.\n  email:    ${boot.email}\n  password: ${boot.password}   (shown once; you must change it at first login)`);
    } else if (boot) {
      console.log(`Admin account created from KORRIGO_ADMIN_EMAIL: ${boot.email}`);
    } else {
      console.log('Log in with your admin account (create one with: npm run korrigo -- users create --role ADMIN --email … --generate).');
    }
    await waitForSignal();
    await maintenance.stop();
    await runner?.stop();
    await app.close();
  },

  async worker(ctx) {
    const runner = new JobRunner(ctx, jobHandlers);
    runner.start();
    console.log(`Korrigo worker ${runner.owner} started`);
    await waitForSignal();
    await runner.stop();
  },

  async migrate() {
    console.log('Migrations applied.');
  },

  async users(ctx, args) {
    const [sub, ...rest] = args;
    if (sub !== 'create') throw new Error(usage);
    const { values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, generate: { type: 'boolean' }, name: { type: 'string' } },
    });
    const role = values.role?.toUpperCase();
    if (!values.email || !role || !['ADMIN', 'TEACHER', 'STUDENT'].includes(role) || (!values.password && !values.generate)) throw new Error(usage);
    const password = values.password ?? randomToken(12);
    const user = await createUser(ctx, {
      email: values.email,
      displayName: values.name ?? values.email.split('@')[0]!,
      role: role as 'ADMIN',
      password,
      mustChangePassword: !!values.generate,
    });
    console.log(`Created ${user.role} ${user.email}${values.generate ? `\n  one-time password: ${password}` : ''}`);
  },

  'recover-stuck': recoverStuckCommand,
  backup: backupCommand,
  restore: restoreCommand,

  async 'cleanup-orphans'(ctx, args) {
    const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, grace: { type: 'string' } } });
    const report = await cleanupOrphans(ctx, { dryRun: !!values['dry-run'], graceMs: parseDuration(values.grace ?? '1h') });
    const verb = report.dryRun ? 'Would remove' : 'Removed';
    console.log(`${verb} ${report.orphanFiles.length} orphan files and ${report.orphanRows.length} unreferenced blob rows (${report.bytes} bytes).`);
    for (const f of report.orphanFiles) console.log(`  file ${f.storageKey} (${f.size} bytes)`);
    for (const r of report.orphanRows) console.log(`  blob ${r.id} ${r.storageKey} (${r.size} bytes)`);
  },
};

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    process.stderr.write(usage);
    return name ? 2 : 0;
  }
  const config = loadConfig(process.env, { webDist, runJobs: !args.includes('--no-jobs') });
  const ctx = await createContext(config);
  try {
    await migrateToLatest(ctx.db);
    await cmd(ctx, args);
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  } finally {
    await ctx.db.destroy();
    const { closePdfPool } = await import('../pdf/pool.ts');
    await closePdfPool();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
