/**
 * Browser-test harness: a real server process on a free port with a temp data dir, an HTTP client that seeds data
 * through the API (cookie session, same-origin headers), Chromium through playwright-core, scan PDFs made with
 * pdf-lib, screenshots into artifacts/screenshots/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotsDir = path.join(repoRoot, 'artifacts', 'screenshots');
export const ADMIN = { email: 'admin@e2e.test', password: 'admin-password-e2e-1' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Server {
  base: string;
  dataDir: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  if (!fs.existsSync(path.join(repoRoot, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run build -w web` first');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-e2e-'));
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', 'serve'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      KORRIGO_DATA_DIR: dataDir,
      DATABASE_URL: '',
      KORRIGO_ADMIN_EMAIL: ADMIN.email,
      KORRIGO_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    dataDir,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => (child.kill('SIGKILL'), r(null)), 5000);
          child.once('exit', () => (clearTimeout(t), r(null)));
        });
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ API client for seeding

export class ApiClient {
  cookie = '';
  constructor(readonly base: string) {}

  async req<T = any>(method: string, url: string, body?: unknown, opts: { raw?: { data: Uint8Array | string; type: string }; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { origin: this.base, cookie: this.cookie, ...opts.headers };
    let payload: BodyInit | undefined;
    if (opts.raw) {
      headers['content-type'] = opts.raw.type;
      payload = opts.raw.data as BodyInit;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${this.base}/api/v1${url}`, { method, headers, body: payload });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json as T };
  }
  async ok<T = any>(method: string, url: string, body?: unknown, opts?: Parameters<ApiClient['req']>[3]): Promise<T> {
    const r = await this.req<T>(method, url, body, opts);
    if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  static async login(base: string, email: string, password: string) {
    const c = new ApiClient(base);
    await c.ok('POST', '/auth/login', { email, password });
    return c;
  }
}

/** A route is missing on this server (not yet implemented): Fastify's plain 404 without our `code`, or 501. */
export const missing = (r: { status: number; body: any }) =>
  r.status === 501 || (r.status === 404 && (typeof r.body?.code !== 'string' || String(r.body?.detail ?? '').startsWith('No route ')));

export async function createUser(admin: ApiClient, role: 'TEACHER' | 'STUDENT' | 'ADMIN', name: string) {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}@e2e.test`;
  const password = `pw-${name}-1234567`;
  const res = await admin.ok('POST', '/users', { email, displayName: name, role, password });
  return { id: (res.user ?? res).id as string, email, password, displayName: name };
}

// ------------------------------------------------------------------ PDFs

/** A scan-like PDF: `copies` copies of `pagesPerCopy` pages, a header "Nom / Name" on the first page of each. */
export async function makeScanPdf(copies: number, pagesPerCopy: number, names: string[] = []): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let c = 0; c < copies; c++) {
    for (let p = 0; p < pagesPerCopy; p++) {
      const page = doc.addPage([595, 842]);
      if (p === 0) {
        page.drawRectangle({ x: 40, y: 700, width: 515, height: 100, borderColor: rgb(0.2, 0.2, 0.3), borderWidth: 1.5 });
        page.drawText(`Nom / Name: ${names[c] ?? `Student ${c + 1}`}`, { x: 60, y: 760, size: 20, font });
        page.drawText('Classe: 1A', { x: 60, y: 725, size: 16, font });
      }
      page.drawText(`Exercice ${p + 1}`, { x: 60, y: 650, size: 16, font });
      for (let l = 0; l < 18; l++) page.drawLine({ start: { x: 60, y: 620 - l * 30 }, end: { x: 535, y: 620 - l * 30 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.7) });
      page.drawText(`answer ${c + 1}.${p + 1}: x = ${(c + 1) * (p + 2)}`, { x: 70, y: 600, size: 14, font, color: rgb(0.1, 0.1, 0.6) });
    }
  }
  return doc.save();
}

// ------------------------------------------------------------------ browser

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function newContext(browser: Browser, base: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ baseURL: base, locale: 'en-GB', viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

export async function loginUi(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

export async function shot(page: Page, name: string) {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: false });
}

/** Drag on the overlay in page fractions. */
export async function dragOnPage(page: Page, from: [number, number], to: [number, number]) {
  const box = (await page.getByTestId('overlay').boundingBox())!;
  const at = (p: [number, number]) => [box.x + p[0] * box.width, box.y + p[1] * box.height] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) await page.mouse.move(at(from)[0] + ((at(to)[0] - at(from)[0]) * i) / 5, at(from)[1] + ((at(to)[1] - at(from)[1]) * i) / 5);
  await page.mouse.up();
}

export async function clickOnPage(page: Page, p: [number, number]) {
  const box = (await page.getByTestId('overlay').boundingBox())!;
  await page.mouse.click(box.x + p[0] * box.width, box.y + p[1] * box.height);
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 30_000, every = 250): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * The server, the browser and the admin's API client of one test file: started before its tests, stopped after
 * (whatever of them started). `set` hands them to the file's own variables.
 */
export function useE2eWorld(set: (w: { server: Server; browser: Browser; admin: ApiClient }) => void) {
  let server: Server | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    set({ server, browser, admin: await ApiClient.login(server.base, ADMIN.email, ADMIN.password) });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
}
