/** Starting the server under test, reading its memory, and throwaway PostgreSQL databases. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PG_ADMIN_URL } from './machine.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN = { email: 'bench-admin@school.test', password: 'bench admin password' };

export interface BenchServer {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Sends a message and waits for `<type>:done` (rejects on `<type>:error`). */
  call<T = unknown>(type: string, payload?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  dataDir: string;
  databaseUrl?: string;
  jobs?: boolean;
  /** directory for a V8 CPU profile of the server process (`--cpu-prof`) */
  profileDir?: string;
  /** the built web app to serve (web/dist), as `korrigo serve` does */
  webDist?: string;
}

export async function startServer(opts: ServerOptions): Promise<BenchServer> {
  const nodeArgs = ['--import', 'tsx'];
  if (opts.profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  const child = spawn(process.execPath, [...nodeArgs, path.join(serverDir, 'bench/lib/server-child.ts')], {
    cwd: serverDir,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      KORRIGO_DATA_DIR: opts.dataDir,
      DATABASE_URL: opts.databaseUrl ?? '',
      KORRIGO_ADMIN_EMAIL: ADMIN.email,
      KORRIGO_ADMIN_PASSWORD: ADMIN.password,
      BENCH_JOBS: opts.jobs === false ? '0' : '1',
      BENCH_WEB_DIST: opts.webDist ?? '',
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench server exited during startup (code ${code})`)));
    child.on('message', (m: { type: string; port?: number }) => m.type === 'ready' && resolve(m.port!));
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    child,
    call<T>(type: string, payload: Record<string, unknown> = {}) {
      return new Promise<T>((resolve, reject) => {
        const onMessage = (m: { type: string; result?: T; error?: string }) => {
          if (m.type === `${type}:done`) {
            child.off('message', onMessage);
            resolve(m.result as T);
          } else if (m.type === `${type}:error`) {
            child.off('message', onMessage);
            reject(new Error(m.error));
          }
        };
        child.on('message', onMessage);
        child.send({ type, ...payload });
      });
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      });
    },
  };
}

/** Current and peak resident memory of a process (all its threads), from /proc. */
export function readRss(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function readCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the parenthesised command name start at field 3 (state); utime and stime are fields 14 and 15
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node supports

/** Resets the kernel's peak-RSS counter of a process (writing 5 to clear_refs), so VmHWM covers one phase. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; the highest sample is a floor of the true peak. */
export function sampleRss(pid: number, everyMs = 10): { stop(): number } {
  let max = 0;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, readRss(pid).rss);
    } catch {}
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `korrigo-bench-${label}-`));
}

/** A fresh PostgreSQL database for one bench, or null when the server cannot be reached. */
export async function createPgDatabase(label: string): Promise<{ url: string; drop(): Promise<void> } | null> {
  const name = `korrigo_bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
