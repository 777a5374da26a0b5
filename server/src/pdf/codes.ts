/**
 * Page codes of printed papers (issue 17): a QR code on every printed page carrying (exam, paper, page), written
 * when the papers are generated and read back from each scanned page at ingest.
 *
 * Decoder: zxing-wasm (ZXing-C++ built to WebAssembly; MIT, ZXing-C++ itself Apache-2.0), chosen over
 * @undecaf/zbar-wasm after running both on the same scan-like pages (rendered A4 at 150 dpi, noise, ±3° skew,
 * 90/180/270° turns, JPEG q70, the same four corner crops, see bench/papers.bench.ts): zxing read 60/60 and zbar
 * 49/60, zbar was slower on the crops, and zbar-wasm is LGPL-2.1+, which a permissive licence spares us. zxing also
 * reports the code's orientation in degrees, which turns the page upright. The same package writes the codes.
 *
 * The .wasm files come from the npm package and are handed to the module as bytes: by default zxing-wasm would
 * fetch them from a CDN, which a school's server must never depend on.
 *
 * Payload: `KRG1/<EXAM ID IN CAPITALS>/<paper>/<page>`, all in QR's alphanumeric set (a UUID in capitals is), so
 * the symbol stays at version 4 (33 × 33 modules) with error correction level M. Ids are lower-cased back.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadImage } from '@napi-rs/canvas';
import { prepareZXingModule as prepareReader, readBarcodes } from 'zxing-wasm/reader';
import { prepareZXingModule as prepareWriter, writeBarcode } from 'zxing-wasm/writer';
import { withCanvas } from './canvas.ts';

export interface PageCode {
  examId: string;
  /** 1-based number of the paper (booklet) within the exam */
  paper: number;
  /** 0: the cover; 1..n the answer pages */
  page: number;
}

export interface ReadCode extends PageCode {
  /** clockwise degrees to show the scanned page upright (pages.rotation) */
  rotation: 0 | 90 | 180 | 270;
}

const PREFIX = 'KRG1';

export function encodePageCode(c: PageCode): string {
  return `${PREFIX}/${c.examId.toUpperCase()}/${c.paper}/${c.page}`;
}

export function parsePageCode(text: string): PageCode | null {
  const m = /^KRG1\/([0-9A-Z-]{1,64})\/(\d{1,6})\/(\d{1,4})$/.exec(text.trim());
  if (!m) return null;
  return { examId: m[1]!.toLowerCase(), paper: Number(m[2]), page: Number(m[3]) };
}

const require = createRequire(import.meta.url);
let readerReady = false;
let writerReady = false;

function useLocalReader() {
  if (readerReady) return;
  prepareReader({ overrides: { wasmBinary: wasmBytes('zxing-wasm/reader/zxing_reader.wasm') } });
  readerReady = true;
}

function useLocalWriter() {
  if (writerReady) return;
  prepareWriter({ overrides: { wasmBinary: wasmBytes('zxing-wasm/writer/zxing_writer.wasm') } });
  writerReady = true;
}

function wasmBytes(specifier: string): ArrayBuffer {
  const b = readFileSync(require.resolve(specifier));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** The code's modules, row by row (true: dark), without quiet zone: the caller draws them as vectors. */
export async function codeModules(c: PageCode): Promise<{ size: number; dark: boolean[] }> {
  useLocalWriter();
  const out = await writeBarcode(encodePageCode(c), { format: 'QRCode', ecLevel: 'M', withQuietZones: false, scale: 1 });
  if (out.error) throw new Error(`QR code not written: ${out.error}`);
  const { width, height, data } = out.symbol;
  if (width !== height) throw new Error('QR code is not square');
  return { size: width, dark: Array.from(data, (v) => v === 0) };
}

/**
 * Share of the page's longer side that a corner crop covers. The code sits within 30 mm of two edges of an A4
 * sheet (297 mm): 0.16 of the long side (47 mm) holds it with room for a scanner's offset and a 3° skew.
 */
const CORNER = 0.16;

/**
 * Reads the page code of one scanned page. The JPEG is decoded once; the four corners are searched in turn (the
 * code is printed in two opposite corners, and a page turned by 90/180/270° puts them in any corner), so a page
 * costs one decode and a few small crops instead of a full-page search. Null when no code of ours is found.
 */
export async function readPageCode(jpeg: Uint8Array): Promise<ReadCode | null> {
  useLocalReader();
  const image = await loadImage(new Uint8Array(jpeg));
  const { width, height } = image;
  const side = Math.min(Math.round(Math.max(width, height) * CORNER), width, height);
  const corners: Array<[number, number]> = [
    [width - side, 0],
    [0, height - side],
    [0, 0],
    [width - side, height - side],
  ];
  // only the corner is drawn (a small canvas, not the whole page), and the next one only if this one has no code
  return withCanvas(side, side, async (canvas) => {
    const g = canvas.getContext('2d');
    for (const [x, y] of corners) {
      g.drawImage(image, x, y, side, side, 0, 0, side, side);
      const crop = g.getImageData(0, 0, side, side);
      const found = await readBarcodes(crop as unknown as Parameters<typeof readBarcodes>[0], READER_OPTIONS);
      for (const r of found) {
        const code = r.isValid ? parsePageCode(r.text) : null;
        if (code) return { ...code, rotation: uprightRotation(r.orientation) };
      }
    }
    return null;
  });
}

/**
 * QR codes only, one per crop. No inverted or rotated retries: our codes are dark on light, and QR detection
 * finds any orientation by itself; an empty corner (half of those searched) then costs one pass, not four.
 */
const READER_OPTIONS: Parameters<typeof readBarcodes>[1] = { formats: ['QRCode'], tryHarder: true, tryInvert: false, tryRotate: false, tryDownscale: false, maxNumberOfSymbols: 1 };

/**
 * zxing's orientation is the code's turn in degrees (≈90 when the sheet went through turned a quarter clockwise);
 * the page is shown upright by turning it back: 360 − that, rounded to a quarter.
 */
export function uprightRotation(orientation: number): 0 | 90 | 180 | 270 {
  const quarter = ((Math.round(orientation / 90) % 4) + 4) % 4;
  return ((4 - quarter) % 4) * 90 as 0 | 90 | 180 | 270;
}

/** Codes of several pages, in order (null where none was read, or the image could not be decoded). */
export async function readPageCodes(jpegs: Uint8Array[]): Promise<Array<ReadCode | null>> {
  const out: Array<ReadCode | null> = [];
  for (const jpeg of jpegs) out.push(await readPageCode(jpeg).catch(() => null));
  return out;
}
