import { describe, expect, it } from 'vitest';
import { A4_LONG_SIDE_PT, pageSizeForImage, pointToPdf, rectToPdf, type PdfRect } from './geometry.ts';

const page = { width: 600, height: 800 };

function expectRect(actual: PdfRect, expected: PdfRect): void {
  for (const key of ['x', 'y', 'width', 'height'] as const) expect(actual[key]).toBeCloseTo(expected[key], 9);
}

describe('rectToPdf', () => {
  it('flips the y axis: a box at the top of the page has its bottom edge high in PDF space', () => {
    expectRect(rectToPdf({ x: 0.1, y: 0.05, w: 0.5, h: 0.1 }, page), { x: 60, y: 680, width: 300, height: 80 });
  });

  it('maps the whole page to the whole page', () => {
    expectRect(rectToPdf({ x: 0, y: 0, w: 1, h: 1 }, page), { x: 0, y: 0, width: 600, height: 800 });
  });

  it('puts a box touching the bottom edge at y = 0', () => {
    expectRect(rectToPdf({ x: 0.5, y: 0.75, w: 0.5, h: 0.25 }, page), { x: 300, y: 0, width: 300, height: 200 });
  });

  it('clamps geometry that strays off the page', () => {
    expectRect(rectToPdf({ x: -0.2, y: 0.9, w: 0.5, h: 0.5 }, page), { x: 0, y: 0, width: 300, height: 80 });
    expectRect(rectToPdf({ x: 0.8, y: 0, w: 0.5, h: Number.NaN }, page), { x: 480, y: 800, width: 120, height: 0 });
  });

  it('agrees with pointToPdf on the corners', () => {
    const rect = { x: 0.2, y: 0.3, w: 0.4, h: 0.25 };
    const r = rectToPdf(rect, page);
    const topLeft = pointToPdf([rect.x, rect.y], page);
    const bottomRight = pointToPdf([rect.x + rect.w, rect.y + rect.h], page);
    expect(topLeft.x).toBeCloseTo(r.x);
    expect(topLeft.y).toBeCloseTo(r.y + r.height);
    expect(bottomRight.x).toBeCloseTo(r.x + r.width);
    expect(bottomRight.y).toBeCloseTo(r.y);
  });
});

describe('pointToPdf', () => {
  it('maps the top-left origin to the PDF top-left corner', () => {
    expect(pointToPdf([0, 0], page)).toEqual({ x: 0, y: 800 });
    expect(pointToPdf([1, 1], page)).toEqual({ x: 600, y: 0 });
    expect(pointToPdf([0.25, 0.5], page)).toEqual({ x: 150, y: 400 });
  });
});

describe('pageSizeForImage', () => {
  it('maps a 150 dpi A4 scan to A4 at exactly 150 dpi', () => {
    const size = pageSizeForImage(1240, 1754);
    expect(size.height).toBeCloseTo(A4_LONG_SIDE_PT);
    expect(size.width).toBeCloseTo(595.28, 0);
    expect((size.width / 1240) * 150).toBeCloseTo(72, 0);
  });

  it('gives any resolution the same page and keeps the aspect ratio', () => {
    expect(pageSizeForImage(2480, 3508).width).toBeCloseTo(pageSizeForImage(1240, 1754).width, 0);
    const landscape = pageSizeForImage(1754, 1240);
    expect(landscape.width).toBeCloseTo(A4_LONG_SIDE_PT);
    expect(landscape.width / landscape.height).toBeCloseTo(1754 / 1240);
  });

  it('rejects an empty image size', () => {
    expect(() => pageSizeForImage(0, 100)).toThrow(RangeError);
  });
});
