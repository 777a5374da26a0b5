import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { newId } from '../ids.ts';

/** putStream's disk writes: large enough to be few, small enough to overlap with receiving. */
const WRITE_BYTES = 1 << 20;
/** putStream's first buffer when the size is not announced; it doubles as needed. */
const UNKNOWN_SIZE_START = 8 << 20;

/** Part of a stored file: `length` bytes from `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

export interface StoredFile {
  id: string;
  storageKey: string;
  sha256: string;
  size: number;
  contentType: string;
}

/**
 * One stored file, as another layer reads it (the PDF engine): by its bytes, or, where the store keeps it on this
 * machine's disk, by `localFile()`. That path is for the PDF engine's worker threads only (pdf/engine.ts), which open
 * the file themselves rather than receive a copy of a scan of hundreds of MB; no service ever sees it. A store with
 * no local files (an object store) answers null, and the engine reads the bytes instead.
 */
export interface StoredBlob {
  readonly storageKey: string;
  read(range?: ByteRange | null): Promise<Buffer>;
  localFile(): string | null;
}

/**
 * Immutable files on local disk (DESIGN.md §4). A file is written to a temp name in the same directory,
 * fsynced, then renamed into place under a fresh random id: nothing is ever overwritten. The `blobs` row
 * is inserted by the caller inside the transaction that references it; if that transaction fails, the file
 * is an orphan for `cleanup-orphans`.
 */
export class BlobStore {
  constructor(readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private pathOf(storageKey: string): string {
    if (!/^[0-9a-f]{2}\/[0-9a-f-]{36}$/.test(storageKey)) throw new Error(`bad storage key ${storageKey}`);
    return path.join(this.root, storageKey);
  }

  async put(bytes: Uint8Array, contentType: string): Promise<StoredFile> {
    const id = newId();
    const storageKey = `${id.slice(0, 2)}/${id}`;
    const dest = this.pathOf(storageKey);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, dest);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    return { id, storageKey, sha256, size: bytes.byteLength, contentType };
  }

  /**
   * Streams a request body to disk, hashing it and assembling it in one buffer as it goes (written from that buffer
   * in slices of about 1 MiB, without another copy), then runs `check` on the assembled bytes while the file is
   * fsynced: an upload is validated without being read back from disk. The buffer is sized once when the body's
   * length is announced. `check` may take the bytes over (move their buffer to a worker thread): nothing here reads
   * them afterwards. Past `maxBytes`, or when `check` fails, the temp file is removed and the error propagates.
   */
  async putStream<T>(
    source: AsyncIterable<Uint8Array>,
    contentType: string,
    opts: { maxBytes: number; onTooLarge: () => Error; expectedBytes?: number; check: (bytes: Uint8Array) => Promise<T> },
  ): Promise<{ file: StoredFile; checked: T }> {
    const id = newId();
    const storageKey = `${id.slice(0, 2)}/${id}`;
    const dest = this.pathOf(storageKey);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    const fh = await fsp.open(tmp, 'wx');
    const hash = crypto.createHash('sha256');
    // its own memory (not Node's shared pool), so that `check` can move it to another thread
    let buffer = Buffer.allocUnsafeSlow(Math.min(opts.expectedBytes ?? UNKNOWN_SIZE_START, opts.maxBytes));
    let size = 0;
    let written = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const writeUpTo = (end: number) => {
      const [from, bytes] = [written, buffer];
      written = end;
      writing = writing.then(() => fh.write(bytes, from, end - from, from));
    };
    let checked: T;
    try {
      for await (const piece of source) {
        if (size + piece.byteLength > opts.maxBytes) throw opts.onTooLarge();
        if (size + piece.byteLength > buffer.length) {
          // the size was not announced (or was wrong): grow; pending writes keep the buffer they were given
          const grown = Buffer.allocUnsafeSlow(Math.min(Math.max(buffer.length * 2, size + piece.byteLength), opts.maxBytes));
          buffer.copy(grown, 0, 0, size);
          buffer = grown;
        }
        buffer.set(piece, size);
        hash.update(piece);
        size += piece.byteLength;
        if (size - written >= WRITE_BYTES) writeUpTo(size);
      }
      if (size > written) writeUpTo(size);
      await writing;
      const [check, synced] = await Promise.allSettled([opts.check(buffer.subarray(0, size)), fh.sync()]);
      if (synced.status === 'rejected') throw synced.reason;
      if (check.status === 'rejected') throw check.reason;
      checked = check.value;
      await fh.close();
    } catch (err) {
      await writing.catch(() => {});
      await fh.close().catch(() => {});
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await fsp.rename(tmp, dest);
    return { file: { id, storageKey, sha256: hash.digest('hex'), size, contentType }, checked };
  }

  /** The whole file, or `range.length` bytes of it from `range.offset` (a scanned page inside its scan). */
  async read(storageKey: string, range?: ByteRange | null): Promise<Buffer> {
    if (!range) return fsp.readFile(this.pathOf(storageKey));
    const fh = await fsp.open(this.pathOf(storageKey), 'r');
    try {
      const out = Buffer.allocUnsafe(range.length);
      const { bytesRead } = await fh.read(out, 0, range.length, range.offset);
      if (bytesRead !== range.length) throw new Error(`blob ${storageKey} is shorter than the range ${range.offset}+${range.length}`);
      return out;
    } finally {
      await fh.close();
    }
  }

  /** A stored file to hand to another layer (see StoredBlob); the key is checked now, the file is read later. */
  open(storageKey: string): StoredBlob {
    const file = this.pathOf(storageKey);
    return { storageKey, read: (range) => this.read(storageKey, range), localFile: () => file };
  }

  createReadStream(storageKey: string, range?: ByteRange | null): fs.ReadStream {
    if (!range) return fs.createReadStream(this.pathOf(storageKey));
    return fs.createReadStream(this.pathOf(storageKey), { start: range.offset, end: range.offset + range.length - 1 });
  }

  async remove(storageKey: string): Promise<void> {
    await fsp.rm(this.pathOf(storageKey), { force: true });
  }

  /** Every file on disk with its age, for the orphan sweeper. Temp files count too (a crash mid-write). */
  async *list(): AsyncGenerator<{ storageKey: string; mtimeMs: number; size: number; temp: boolean }> {
    let dirs: string[];
    try {
      dirs = await fsp.readdir(this.root);
    } catch {
      return;
    }
    for (const d of dirs) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const f of await fsp.readdir(path.join(this.root, d))) {
        const st = await fsp.stat(path.join(this.root, d, f)).catch(() => null);
        if (!st?.isFile()) continue;
        const temp = f.includes('.tmp-');
        yield { storageKey: `${d}/${f}`, mtimeMs: st.mtimeMs, size: st.size, temp };
      }
    }
  }

  async removeRaw(storageKeyOrTemp: string): Promise<void> {
    const full = path.join(this.root, storageKeyOrTemp);
    if (!full.startsWith(this.root + path.sep)) throw new Error('outside blob root');
    await fsp.rm(full, { force: true });
  }
}
