import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { splitPdf } from '../../src/pdf/split.ts';
import * as fx from '../fixtures/pdf-fixtures.ts';

const pageCount = async (bytes: Uint8Array) => (await PDFDocument.load(bytes)).getPageCount();

describe('splitPdf', () => {
  it('cuts a batch into copies of the requested page ranges (0-based, inclusive)', async () => {
    const batch = await fx.batch300();
    const ranges = Array.from({ length: 75 }, (_, i): [number, number] => [i * 4, i * 4 + 3]);
    const parts = await splitPdf(batch, ranges);
    expect(parts).toHaveLength(75);
    for (const part of [parts[0]!, parts[37]!, parts[74]!]) expect(await pageCount(part)).toBe(4);
  });

  it('accepts uneven and single-page ranges and keeps page sizes', async () => {
    const parts = await splitPdf(await fx.mixedSizes(), [[0, 0], [1, 3]]);
    expect(await Promise.all(parts.map(pageCount))).toEqual([1, 3]);
    const sizes = (await PDFDocument.load(parts[1]!)).getPages().map((p) => [p.getWidth(), p.getHeight()]);
    expect(sizes).toEqual([[419.53, 595.28], [612, 792], [841.89, 595.28]]);
  });

  it('keeps page rotation', async () => {
    const [part] = await splitPdf(await fx.rotated(), [[0, 0]]);
    expect((await PDFDocument.load(part!)).getPage(0).getRotation().angle).toBe(90);
  });

  it('is deterministic', async () => {
    const a = await splitPdf(await fx.scan4(), [[1, 2]]);
    const b = await splitPdf(await fx.scan4(), [[1, 2]]);
    expect(Buffer.compare(Buffer.from(a[0]!), Buffer.from(b[0]!))).toBe(0);
  });

  it.each([
    [[2, 1]],
    [[-1, 0]],
    [[0, 4]],
    [[0.5, 1]],
  ] as Array<[[number, number]]>)('rejects the range %j on a 4-page PDF', async (range) => {
    await expect(splitPdf(await fx.scan4(), [range])).rejects.toThrow(RangeError);
  });
});
