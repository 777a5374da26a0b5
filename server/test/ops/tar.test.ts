/**
 * The backup archive's tar layer (storage/tar.ts, node-tar's Header): archives written before node-tar still read,
 * GNU tar extracts what we write byte for byte, long names use the ustar prefix, and a name no ustar header can hold
 * is refused instead of being cut.
 */
import { spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarEntry, readTarIndex, TarWriter } from '../../src/storage/tar.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'korrigo-tar-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** A header exactly as the hand-written writer made them until node-tar ("0000644\0" octal fields, no devmajor). */
function legacyHeader(name: string, size: number, mtimeSec: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(`${Math.floor(mtimeSec).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}
const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

describe('backup tar archives', () => {
  it('reads an archive written by the previous, hand-written writer', async () => {
    const files: Array<[string, Buffer]> = [
      ['korrigo.sqlite', Buffer.from('SQLite format 3\0'.repeat(70))],
      ['blobs/ab/cd.pdf', Buffer.from('%PDF-1.7\n')],
      ['manifest.json', Buffer.from('{"version":1}')],
    ];
    const parts = files.flatMap(([name, data]) => [legacyHeader(name, data.length, 1_700_000_000), data, pad(data.length)]);
    const file = path.join(tmp, 'legacy.tar');
    await fsp.writeFile(file, Buffer.concat([...parts, Buffer.alloc(1024)]));
    const index = await readTarIndex(file);
    expect(index.map((e) => [e.name, e.size])).toEqual(files.map(([n, d]) => [n, d.length]));
    for (const [i, [, data]] of files.entries()) expect((await readTarEntry(file, index[i]!)).equals(data)).toBe(true);
  });

  it('writes what GNU tar extracts byte for byte, a long name through the ustar prefix, and reads it back', async () => {
    const src = path.join(tmp, 'blob.bin');
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    await fsp.writeFile(src, data);
    const long = `blobs/${'k'.repeat(120)}/${'p'.repeat(40)}.pdf`; // 172 bytes: name field 100 + prefix 155
    const file = path.join(tmp, 'new.tar');
    const w = await TarWriter.create(file);
    const written = await w.addFile(long, src);
    await w.addBuffer('manifest.json', Buffer.from('{}'));
    await w.finish();
    expect(written.size).toBe(data.length);

    expect((await readTarIndex(file)).map((e) => e.name)).toEqual([long, 'manifest.json']);
    const entry = (await readTarIndex(file))[0]!;
    expect((await readTarEntry(file, entry)).equals(data)).toBe(true);
    const listed = spawnSync('tar', ['-tf', file], { encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n')).toEqual([long, 'manifest.json']);
    const out = spawnSync('tar', ['-xOf', file, long]);
    expect(out.status).toBe(0);
    expect(Buffer.compare(out.stdout, data)).toBe(0);
  });

  it('refuses a name no ustar header can hold rather than cutting it', async () => {
    const w = await TarWriter.create(path.join(tmp, 'too-long.tar'));
    try {
      await expect(w.addBuffer(`blobs/${'x'.repeat(101)}`, Buffer.from('x'))).rejects.toThrow(/name too long/);
    } finally {
      await w.abort();
    }
  });
});
