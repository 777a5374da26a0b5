/**
 * Fallback used only while the server has no upload pipeline yet (POST /exams/:id/uploads answers "No route"):
 * creates copies with page images straight in the server's database and blob store, as the ingest job would.
 * Remove once uploads land; the journey test prefers the real upload through the UI.
 */
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';

export async function seedCopiesDirect(dataDir: string, examId: string, names: string[], pagesPerCopy: number): Promise<string[]> {
  const server = (p: string) => path.join(import.meta.dirname, '../../server/src', p);
  const { loadConfig } = await import(server('config.ts'));
  const { createContext } = await import(server('context.ts'));
  const { insertBlob } = await import(server('repositories/blob.repository.ts'));
  const { insertCopy, insertPages } = await import(server('repositories/copy.repository.ts'));
  const { newId } = await import(server('ids.ts'));
  const ctx = await createContext(loadConfig({ KORRIGO_DATA_DIR: dataDir }), { renderer: {} as never });
  const ids: string[] = [];
  try {
    for (let c = 0; c < names.length; c++) {
      const id = newId();
      const now = new Date().toISOString();
      const files: { id: string }[] = [];
      for (let p = 0; p < pagesPerCopy; p++) files.push(await ctx.blobs.put(pageJpeg(p === 0 ? names[c]! : null, c, p), 'image/jpeg'));
      await ctx.db.transaction().execute(async (tx: any) => {
        for (const f of files) await insertBlob(tx, f, now);
        await insertCopy(tx, {
          id, exam_id: examId, anonymous_code: `E2E-${String(c + 1).padStart(3, '0')}`, status: 'STAGING', created_at: now, updated_at: now,
          student_id: null, assigned_to: null, locked_by: null, locked_at: null, graded_at: null, final_blob_id: null, final_score: null,
          grading_error: null, flagged: null, merged_into_id: null,
        });
        await insertPages(tx, files.map((f: { id: string }, i: number) => ({ id: newId(), copy_id: id, position: i, booklet_id: null, source_page: i, image_blob_id: f.id, width_px: W, height_px: H })));
      });
      ids.push(id);
    }
  } finally {
    await ctx.db.destroy();
  }
  return ids;
}

const W = 1240;
const H = 1754;
function pageJpeg(name: string | null, c: number, p: number): Uint8Array {
  const canvas = createCanvas(W, H);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fbfaf6';
  g.fillRect(0, 0, W, H);
  g.fillStyle = '#1d2330';
  if (name) {
    g.strokeStyle = '#333';
    g.lineWidth = 3;
    g.strokeRect(80, 60, W - 160, 200);
    g.font = '44px sans-serif';
    g.fillText(`Nom / Name: ${name}`, 120, 150);
    g.font = '34px sans-serif';
    g.fillText('Classe: 1A', 120, 220);
  }
  g.font = '34px sans-serif';
  g.fillText(`Exercice ${p + 1}`, 120, 380);
  g.strokeStyle = '#99a';
  g.lineWidth = 1;
  for (let y = 440; y < H - 80; y += 60) {
    g.beginPath();
    g.moveTo(120, y);
    g.lineTo(W - 120, y);
    g.stroke();
  }
  g.fillStyle = '#1a237e';
  g.font = 'italic 32px sans-serif';
  g.fillText(`answer ${c + 1}.${p + 1}: x = ${(c + 1) * (p + 2)}`, 140, 430);
  return new Uint8Array(canvas.toBuffer('image/jpeg', 80));
}
