/**
 * Helmet's security headers, computed once. @fastify/helmet builds the helmet middleware anew on every request
 * (parsing the CSP directives each time: 5 % of an autosave's CPU); our configuration is static (no CSP nonces,
 * no per-route options), so the headers are the same on every response. They are taken from @fastify/helmet
 * itself, answering one request in a throwaway instance, so helmet stays the one source of what they are.
 */
import Fastify from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';

const NOT_HELMETS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

export async function securityHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  try {
    await probe.register(helmet, options);
    probe.get('/', async () => '');
    const res = await probe.inject({ method: 'GET', url: '/' });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (!NOT_HELMETS.has(name) && typeof value === 'string') out[name] = value;
    }
    return out;
  } finally {
    await probe.close();
  }
}
