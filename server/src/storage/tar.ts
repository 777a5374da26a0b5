/**
 * The few parts of POSIX ustar that a backup needs: regular files, written sequentially, read back by offset.
 * Any `tar` can list or extract the archive (`tar tf backup.tar`). Sizes of 8 GiB and more use the base-256
 * size field that GNU tar and bsdtar read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';

const BLOCK = 512;
const OCTAL_SIZE_MAX = 0o77777777777;

function header(name: string, size: number, mtimeSec: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  if (size <= OCTAL_SIZE_MAX) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  else {
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
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

/** Writes entries one after the other into an open file. */
export class TarWriter {
  private constructor(private readonly fh: fsp.FileHandle) {}

  static async create(file: string): Promise<TarWriter> {
    return new TarWriter(await fsp.open(file, 'wx'));
  }

  async addBuffer(name: string, data: Uint8Array): Promise<void> {
    await this.fh.write(header(name, data.byteLength, Date.now() / 1000));
    await this.fh.write(data);
    await this.pad(data.byteLength);
  }

  /**
   * Streams a file in; its size is taken when it is opened and exactly that many bytes are written, so the
   * archive stays well-formed even if the file changes meanwhile. Returns the sha256 of what was written.
   */
  async addFile(name: string, path: string): Promise<{ size: number; sha256: string }> {
    const src = await fsp.open(path, 'r');
    try {
      const { size, mtimeMs } = await src.stat();
      await this.fh.write(header(name, size, mtimeMs / 1000));
      const hash = crypto.createHash('sha256');
      const buf = Buffer.alloc(1024 * 1024);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, size - done), done);
        if (bytesRead === 0) throw new Error(`tar: ${path} shrank while being archived`);
        hash.update(buf.subarray(0, bytesRead));
        await this.fh.write(buf, 0, bytesRead);
        done += bytesRead;
      }
      await this.pad(size);
      return { size, sha256: hash.digest('hex') };
    } finally {
      await src.close();
    }
  }

  private async pad(size: number) {
    const rest = size % BLOCK;
    if (rest) await this.fh.write(Buffer.alloc(BLOCK - rest));
  }

  /** The end-of-archive marker, then fsync: a backup is only reported done once it is on disk. */
  async finish(): Promise<void> {
    await this.fh.write(Buffer.alloc(BLOCK * 2));
    await this.fh.sync();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** where the entry's bytes start in the archive */
  offset: number;
}

function parseSize(h: Buffer): number {
  if (h[124]! & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    return Number(v);
  }
  return parseInt(h.toString('ascii', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
}

/** Lists the regular files of an archive by walking its headers (the contents are not read). */
export async function readTarIndex(file: string): Promise<TarEntry[]> {
  const fh = await fsp.open(file, 'r');
  try {
    const { size: total } = await fh.stat();
    const entries: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    let off = 0;
    while (off + BLOCK <= total) {
      const { bytesRead } = await fh.read(h, 0, BLOCK, off);
      if (bytesRead < BLOCK) break;
      if (h.every((b) => b === 0)) return entries;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      const stored = parseInt(h.toString('ascii', 148, 156).replace(/\0.*$/s, '').trim(), 8);
      if (stored !== sum) throw new Error(`not a valid archive (bad header checksum at byte ${off})`);
      const size = parseSize(h);
      const type = String.fromCharCode(h[156]!);
      const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      const base = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      if (type === '0' || type === '\0') entries.push({ name: prefix ? `${prefix}/${base}` : base, size, offset: off + BLOCK });
      off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      if (off > total) throw new Error('the archive is truncated');
    }
    throw new Error('the archive is truncated (no end-of-archive marker)');
  } finally {
    await fh.close();
  }
}

export async function readTarEntry(file: string, e: TarEntry): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(e.size);
    const { bytesRead } = await fh.read(buf, 0, e.size, e.offset);
    if (bytesRead !== e.size) throw new Error(`the archive is truncated in ${e.name}`);
    return buf;
  } finally {
    await fh.close();
  }
}

/** A read stream over one entry's bytes. */
export const tarEntryStream = (file: string, e: TarEntry): AsyncIterable<Buffer> =>
  e.size === 0 ? Readable.from([]) : fs.createReadStream(file, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
