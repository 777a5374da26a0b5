import { parseArgs } from 'node:util';
import type { AppContext } from '../context.ts';
import { backup, restore } from '../services/backup.service.ts';

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** `korrigo backup <file>`: a consistent archive of the database and every stored file, safe while serving. */
export async function backupCommand(ctx: AppContext, args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new Error('Usage: korrigo backup <file>');
  const r = await backup(ctx, positionals[0]!);
  const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
  console.log(`Backup written to ${r.file} (${mb(r.bytes)}): ${rows} rows in ${Object.keys(r.tables).length} tables, ${r.blobs} files (${mb(r.blobBytes)}).`);
  if (r.damagedBlobs.length) {
    console.error(`Warning: ${r.damagedBlobs.length} stored files were already missing or damaged before this backup:`);
    for (const d of r.damagedBlobs) console.error(`  ${d.storageKey}: ${d.problem}`);
    process.exitCode = 3;
  }
}

/** `korrigo restore <file> [--force]`: into an empty instance; `--force` replaces a non-empty one. */
export async function restoreCommand(ctx: AppContext, args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new Error('Usage: korrigo restore <file> [--force]');
  const r = await restore(ctx, positionals[0]!, { force: !!values.force });
  const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
  console.log(`Restored ${rows} rows and ${r.blobs} files (${mb(r.blobBytes)}).${r.replacedNonEmpty ? ' The previous content was replaced (--force); its files are left for cleanup-orphans.' : ''}`);
}
