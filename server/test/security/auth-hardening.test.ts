import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeUser, type TestEnv } from '../helpers/harness.ts';
import { createUser, SESSION_IDLE_MS } from '../../src/services/auth.service.ts';
import { LOGIN_IP_BURST, LOGIN_IP_REFILL_MS } from '../../src/services/security.service.ts';
import { newId } from '../../src/ids.ts';

const PASSWORD = 'correct horse battery';
const HOST = 'korrigo.school.test';

describe(`auth hardening [${engine}]`, () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(() => env.close());

  async function newAccount(role: 'TEACHER' | 'STUDENT' = 'TEACHER') {
    const u = await createUser(env.ctx, { email: `u-${newId().slice(0, 8)}@school.test`, displayName: 'U', role, password: PASSWORD });
    return u.email;
  }

  const loginRaw = (email: string, password: string, opts: { ip?: string; cookie?: string; headers?: Record<string, string> } = {}) =>
    env.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: opts.ip ?? '127.0.0.1',
      headers: { ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    });
  const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;
  const me = (cookie: string) => env.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });

  it('per-IP login rate limit: a password spray over many accounts gets 429 RATE_LIMITED with Retry-After, other IPs are unaffected', async () => {
    const sprayer = '203.0.113.7';
    const email = await newAccount();
    for (let i = 0; i < LOGIN_IP_BURST; i++) {
      // a different account each time: the per-user lockout alone would never trigger
      const r = await loginRaw(i % 2 ? `nobody-${i}@school.test` : await newAccount(), 'guess', { ip: sprayer });
      expect(r.statusCode).toBe(401);
    }
    const refused = await loginRaw(email, PASSWORD, { ip: sprayer });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('RATE_LIMITED');
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOGIN_IP_REFILL_MS / 1000);

    // another IP logs into the same account; the sprayer regains one attempt per refill period
    expect((await loginRaw(email, PASSWORD, { ip: '198.51.100.1' })).statusCode).toBe(200);
    env.clock.advance(LOGIN_IP_REFILL_MS);
    expect((await loginRaw(email, PASSWORD, { ip: sprayer })).statusCode).toBe(200);
    expect((await loginRaw(email, 'wrong', { ip: sprayer })).statusCode).toBe(401);
    expect((await loginRaw(email, PASSWORD, { ip: sprayer })).statusCode).toBe(429);
  });

  it('successful logins never spend the IP budget (a class behind one NAT logs in at once)', async () => {
    const emails = await Promise.all(Array.from({ length: LOGIN_IP_BURST + 5 }, () => newAccount('STUDENT')));
    for (const e of emails) expect((await loginRaw(e, PASSWORD, { ip: '192.0.2.50' })).statusCode).toBe(200);
  });

  it('per-user lockout: 10 failures from anywhere lock the account (429 + Retry-After) even for the right password, until it expires', async () => {
    const email = await newAccount();
    for (let i = 0; i < 10; i++) expect((await loginRaw(email, 'nope', { ip: `10.9.0.${i + 1}` })).statusCode).toBe(401);
    const locked = await loginRaw(email, PASSWORD, { ip: '10.9.1.1' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('RATE_LIMITED');
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    env.clock.advance(15 * 60_000 + 1000);
    expect((await loginRaw(email, PASSWORD, { ip: '10.9.1.1' })).statusCode).toBe(200);
  });

  it('session rotation: every login issues a new session id and ends the session of the cookie it came with', async () => {
    const email = await newAccount();
    const first = await loginRaw(email, PASSWORD);
    const a = cookieOf(first);
    expect((await me(a)).statusCode).toBe(200);
    const second = await loginRaw(email, PASSWORD, { cookie: a });
    const b = cookieOf(second);
    expect(b).not.toBe(a);
    expect((await me(a)).statusCode).toBe(401);
    expect((await me(b)).statusCode).toBe(200);
    // a session cookie planted by someone else (fixation) is not adopted: the victim gets a fresh one
    const attacker = cookieOf(await loginRaw(await newAccount(), PASSWORD));
    const victim = cookieOf(await loginRaw(email, PASSWORD, { cookie: attacker }));
    expect(victim).not.toBe(attacker);
    expect((await me(attacker)).statusCode).toBe(401);
    expect((await me(victim)).json().user.email).toBe(email);
    expect(first.headers['set-cookie']).toMatch(/HttpOnly/i);
    expect(first.headers['set-cookie']).toMatch(/SameSite=Lax/i);
  });

  it('POST /auth/logout ends this session only; ?everywhere=true ends every session of the user', async () => {
    const email = await newAccount();
    const [s1, s2, s3] = [cookieOf(await loginRaw(email, PASSWORD)), cookieOf(await loginRaw(email, PASSWORD)), cookieOf(await loginRaw(email, PASSWORD))];
    const other = cookieOf(await loginRaw(await newAccount(), PASSWORD));
    const out = await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: s1 } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/korrigo_session=;/);
    expect((await me(s1)).statusCode).toBe(401);
    expect((await me(s2)).statusCode).toBe(200);
    const all = await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout?everywhere=true', headers: { cookie: s2 } });
    expect(all.statusCode).toBe(204);
    expect((await me(s2)).statusCode).toBe(401);
    expect((await me(s3)).statusCode).toBe(401);
    expect((await me(other)).statusCode).toBe(200);
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: s3 } })).statusCode).toBe(401);
  });

  it('session idle expiry: a session unused for the idle timeout is gone; activity keeps it alive up to the absolute limit', async () => {
    const email = await newAccount();
    const idle = cookieOf(await loginRaw(email, PASSWORD));
    const active = cookieOf(await loginRaw(email, PASSWORD));
    const ttl = env.ctx.config.sessionTtlMs;
    let elapsed = 0;
    const step = SESSION_IDLE_MS - 5 * 60_000;
    while (elapsed + step < ttl) {
      env.clock.advance(step);
      elapsed += step;
      expect((await me(active)).statusCode).toBe(200);
    }
    expect((await me(idle)).statusCode).toBe(401);
    // past the absolute limit from login, even a session in constant use ends
    env.clock.advance(ttl - elapsed + 1000);
    expect((await me(active)).statusCode).toBe(401);
  });

  it('password change: wrong current password refused; success ends the other sessions, keeps this one, retires the old password', async () => {
    const email = await newAccount();
    const here = cookieOf(await loginRaw(email, PASSWORD));
    const elsewhere = cookieOf(await loginRaw(email, PASSWORD));
    const change = (body: unknown) => env.app.inject({ method: 'POST', url: '/api/v1/auth/change-password', headers: { cookie: here }, payload: body as object });
    const wrong = await change({ currentPassword: 'not it at all', newPassword: 'a new long passphrase' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('VALIDATION_FAILED');
    expect((await me(elsewhere)).statusCode).toBe(200);
    expect((await change({ currentPassword: PASSWORD, newPassword: 'a new long passphrase' })).statusCode).toBe(204);
    expect((await me(here)).statusCode).toBe(200);
    expect((await me(elsewhere)).statusCode).toBe(401);
    expect((await loginRaw(email, PASSWORD, { ip: '10.1.1.1' })).statusCode).toBe(401);
    expect((await loginRaw(email, 'a new long passphrase', { ip: '10.1.1.1' })).statusCode).toBe(200);
  });

  describe('same-origin check on state-changing requests', () => {
    let cookie: string;
    beforeAll(async () => {
      cookie = (await makeUser(env, 'ADMIN')).cookie;
    });
    const post = (headers: Record<string, string>) =>
      env.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { cookie, host: HOST, ...headers },
        payload: { email: `x-${newId().slice(0, 8)}@school.test`, displayName: 'X', role: 'TEACHER', password: PASSWORD },
      });

    it('refuses a cross-site POST with 403 FORBIDDEN (Origin of another site, or Sec-Fetch-Site: cross-site) and writes nothing', async () => {
      const before = await env.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      for (const headers of <Record<string, string>[]>[
        { origin: 'https://evil.example' },
        { origin: `https://${HOST}.evil.example` },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site', origin: `https://${HOST}` },
      ]) {
        const r = await post(headers);
        expect(r.statusCode, JSON.stringify(headers)).toBe(403);
        expect(r.json().code).toBe('FORBIDDEN');
      }
      const after = await env.ctx.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
      // login CSRF too
      const login = await loginRaw('nobody@school.test', 'x', { headers: { host: HOST, origin: 'https://evil.example' } });
      expect(login.statusCode).toBe(403);
    });

    it('accepts same-origin POSTs (browser) and POSTs without Origin (non-browser clients)', async () => {
      expect((await post({ origin: `https://${HOST}`, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(201);
      expect((await post({ origin: `http://${HOST}` })).statusCode).toBe(201);
      expect((await post({})).statusCode).toBe(201);
    });

    it('lets cross-site GETs through (safe methods change nothing)', async () => {
      const r = await env.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie, host: HOST, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
      expect(r.statusCode).toBe(200);
    });
  });

  it('security headers on API, error and ops responses: CSP with frame-ancestors, nosniff, no framing by others', async () => {
    for (const url of ['/api/v1/auth/me', '/healthz', '/api/v1/no-such-route']) {
      const r = await env.app.inject({ method: 'GET', url });
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('returns the request id as x-request-id, keeping a well-formed one from a proxy and replacing a malformed one', async () => {
    const own = await env.app.inject({ method: 'GET', url: '/healthz' });
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await env.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'edge-7f3a.42' } });
    expect(kept.headers['x-request-id']).toBe('edge-7f3a.42');
    const bad = await env.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b"}{\\u0000' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await env.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { 'x-request-id': 'req-401' } });
    expect(failed.statusCode).toBe(401);
    expect(failed.headers['x-request-id']).toBe('req-401');
  });

  it('login body limit: an oversized login body is 413 PAYLOAD_TOO_LARGE before any work', async () => {
    const r = await loginRaw('a@school.test', 'x'.repeat(20_000));
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('PAYLOAD_TOO_LARGE');
  });
});
