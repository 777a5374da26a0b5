import zlib from 'node:zlib';
import { createRequire } from 'node:module';

/*
 * pdf-lib compresses every content stream and font subset with pako, a pure-JS zlib; a profile of a 4-page
 * flatten put half its time there, much of it setting up a fresh compressor per small stream. pdf-lib looks
 * `pako.deflate` up at call time, so pointing it at Node's native zlib (same format, same default level) makes
 * that part several times faster. Output stays deterministic: one zlib build gives one byte sequence.
 * Importing the module installs it (idempotent).
 */
const require = createRequire(import.meta.url);
// the very pako instance pdf-lib's CommonJS build requires
const pako = require(require.resolve('pako', { paths: [require.resolve('pdf-lib')] })) as { deflate: (d: Uint8Array) => Uint8Array };

/** Compressed forms of arrays declared never to change (`deflateOnce`), keyed by the array itself. */
const deflated = new WeakMap<Uint8Array, Uint8Array | null>();

/**
 * Declares `bytes` immutable from now on, so that pdf-lib compressing it again (a cached font subset embedded in
 * every document) reuses the first result. Returns `bytes`.
 */
export function deflateOnce(bytes: Uint8Array): Uint8Array {
  if (!deflated.has(bytes)) deflated.set(bytes, null);
  return bytes;
}

function deflate(data: Uint8Array): Uint8Array {
  const out = zlib.deflateSync(data);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

pako.deflate = (data: Uint8Array) => {
  const known = deflated.get(data);
  if (known === undefined) return deflate(data);
  if (known) return known;
  const out = deflate(data);
  deflated.set(data, out);
  return out;
};
