/** A typed (vector) exam PDF — text, rules and boxes, no images — which ingest must render rather than extract. */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

const WORDS = 'la fonction f est dérivable sur intervalle on calcule sa dérivée puis son signe pour en déduire les variations'.split(' ');

export async function makeVectorPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Contrôle de mathématiques — page ${p + 1}`, { x: 50, y: 790, size: 16, font: bold });
    page.drawRectangle({ x: 50, y: 700, width: 300, height: 60, borderColor: rgb(0, 0, 0), borderWidth: 1 });
    page.drawText('Nom / Prénom :', { x: 58, y: 742, size: 11, font });
    for (let y = 660; y > 80; y -= 18) {
      const line = Array.from({ length: 9 + Math.floor(rand() * 5) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
      page.drawText(line, { x: 60, y, size: 10.5, font });
      if (rand() < 0.08) page.drawLine({ start: { x: 50, y: y - 5 }, end: { x: 545, y: y - 5 }, thickness: 0.5, color: rgb(0.4, 0.4, 0.8) });
    }
    page.drawEllipse({ x: 480, y: 730, xScale: 40, yScale: 25, borderColor: rgb(0.8, 0.1, 0.1), borderWidth: 1.5 });
  }
  return doc.save();
}
