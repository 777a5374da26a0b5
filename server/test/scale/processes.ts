/**
 * Real Korrigo processes for the scaled-mode and crash tests: `serve` and `worker` started through the CLI as an
 * operator would, HTTP clients that log in over a socket and spread their requests over several API processes.
 * Every process started here is killed when the test file ends, whatever happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '../helpers/harness.ts';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');
export const ADMIN_EMAIL = 'ops-admin@school.test';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export interface KorrigoProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** for `serve`: the API's base URL */
  readonly url: string | null;
  /** for `worker`: the job runner's lease owner as printed at start */
  readonly owner: string | null;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ProcessEnv {
  databaseUrl: string;
  dataDir: string;
  extra?: Record<string, string>;
}

/** Runs a one-shot command (`recover-stuck`, `cleanup-orphans` …) to its end; returns exit code and output. */
export async function runCommand(args: string[], env: ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  const p = start(args.join(' '), args, env, null);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, output: p.output() };
}

/** `serve [--no-jobs]` on a free port; resolves once it prints that it is running. */
export async function startServe(name: string, env: ProcessEnv, opts: { jobs: boolean; port?: number }): Promise<KorrigoProcess> {
  const port = opts.port ?? (await freePort());
  const p = start(name, ['serve', ...(opts.jobs ? [] : ['--no-jobs'])], env, port);
  await p.ready(/Korrigo is running at (\S+)/);
  return p.proc;
}

export async function startWorker(name: string, env: ProcessEnv): Promise<KorrigoProcess> {
  const p = start(name, ['worker'], env, null);
  await p.ready(/Korrigo worker (\S+) started/);
  return p.proc;
}

function start(name: string, args: string[], env: ProcessEnv, port: number | null) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      KORRIGO_DATA_DIR: env.dataDir,
      KORRIGO_ADMIN_EMAIL: ADMIN_EMAIL,
      KORRIGO_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const proc: KorrigoProcess = {
    name,
    child,
    pid: child.pid!,
    url: null,
    owner: null,
    output: () => out,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const ready = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(out);
        if (!m) return;
        child.stdout!.off('data', check);
        if (port) Object.assign(proc, { url: m[1]!.replace(/\/$/, '') });
        else Object.assign(proc, { owner: m[1] });
        resolve();
      };
      child.stdout!.on('data', check);
      exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out}`)));
    });
  return { proc, child, exited, output: () => out, ready };
}

// ------------------------------------------------------------------ clients over real sockets

type Res = Awaited<ReturnType<Client['req']>>;

/** Keep-alive for throughput; `false` opens a connection per request (a restarted server leaves no dead socket). */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

function httpReq(agent: http.Agent | false, base: string, cookie: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const raw = typeof body === 'string' || body instanceof Uint8Array;
  const payload = body === undefined ? undefined : raw ? Buffer.from(body as string | Uint8Array) : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      base + url,
      {
        method,
        agent,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(payload ? { 'content-length': String(payload.length), ...(raw ? {} : { 'content-type': 'application/json' }) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          let parsed: unknown = null;
          try {
            parsed = bytes.length ? JSON.parse(bytes.toString()) : null;
          } catch {
            parsed = bytes.toString();
          }
          resolve({ status: res.statusCode!, body: parsed, headers: res.headers as Record<string, any>, raw: bytes });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Logs in through the first API and returns a client whose requests go round-robin over all `bases` (the
 * session lives in the shared database, so any API process accepts it); `via(i)` pins one API.
 */
export async function loginSpread(bases: string[], email: string, password: string, opts: { keepAlive?: boolean } = {}): Promise<Client & { via(i: number): Client }> {
  const agent = opts.keepAlive === false ? false : keepAlive;
  const res = await httpReq(agent, bases[0]!, '', 'POST', '/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  let next = 0;
  const user = res.body.user;
  const on = (base: string): Client => ({ cookie, user, req: (m, u, b, h) => httpReq(agent, base, cookie, m, u, b, h) });
  return {
    cookie,
    user,
    req: (m, u, b, h) => httpReq(agent, bases[next++ % bases.length]!, cookie, m, u, b, h),
    via: (i) => on(bases[i % bases.length]!),
  };
}
