import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { newId } from '../ids.ts';

export interface StoredFile {
  id: string;
  storageKey: string;
  sha256: string;
  size: number;
  contentType: string;
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

  /** Streams a request body to disk, hashing as it goes; rejects (and removes the temp file) past maxBytes. */
  async putStream(
    source: AsyncIterable<Uint8Array>,
    contentType: string,
    maxBytes: number,
    onTooLarge: () => Error,
  ): Promise<StoredFile> {
    const id = newId();
    const storageKey = `${id.slice(0, 2)}/${id}`;
    const dest = this.pathOf(storageKey);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}`;
    const fh = await fsp.open(tmp, 'wx');
    const hash = crypto.createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > maxBytes) throw onTooLarge();
        hash.update(chunk);
        await fh.write(chunk);
      }
      await fh.sync();
      await fh.close();
    } catch (err) {
      await fh.close().catch(() => {});
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await fsp.rename(tmp, dest);
    return { id, storageKey, sha256: hash.digest('hex'), size, contentType };
  }

  async read(storageKey: string): Promise<Buffer> {
    return fsp.readFile(this.pathOf(storageKey));
  }

  /** Where a stored file lives, for a reader in another thread (a PDF worker) that opens it itself. */
  filePath(storageKey: string): string {
    return this.pathOf(storageKey);
  }

  createReadStream(storageKey: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(storageKey));
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
