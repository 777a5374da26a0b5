import { describe, expect, it } from 'vitest';
import { addRotation, displaySize, rotateGeometry, withOrientation } from './page-rotation.ts';

const round = (g: { x: number; y: number; w: number; h: number; points: [number, number][] | null }) => ({
  ...Object.fromEntries((['x', 'y', 'w', 'h'] as const).map((k) => [k, Math.round(g[k] * 1e9) / 1e9])),
  points: g.points?.map(([x, y]) => [Math.round(x * 1e9) / 1e9, Math.round(y * 1e9) / 1e9]) ?? null,
});

describe('page rotation', () => {
  const g: Parameters<typeof rotateGeometry>[0] = { x: 0.1, y: 0.2, w: 0.3, h: 0.1, points: [[0.1, 0.2], [0.4, 0.3]] };

  it('a quarter turn clockwise moves the top-left area to the top-right', () => {
    expect(round(rotateGeometry(g, 90))).toEqual({ x: 0.7, y: 0.1, w: 0.1, h: 0.3, points: [[0.8, 0.1], [0.7, 0.4]] });
    expect(round(rotateGeometry(g, 180))).toEqual({ x: 0.6, y: 0.7, w: 0.3, h: 0.1, points: [[0.9, 0.8], [0.6, 0.7]] });
  });

  it('turns compose: four quarter turns, or 90 then 270, give the geometry back', () => {
    expect(round(rotateGeometry(rotateGeometry(g, 90), 270))).toEqual(round(g));
    let full: typeof g = g;
    for (let i = 0; i < 4; i++) full = rotateGeometry(full, 90);
    expect(round(full)).toEqual(round(g));
    expect(addRotation(270, 180)).toBe(90);
    expect(displaySize(60, 85, 270)).toEqual({ widthPx: 85, heightPx: 60 });
  });

  it('tags a JPEG with its orientation without touching the rest; leaves other bytes alone', () => {
    const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const turned = withOrientation(jpeg, 270);
    expect([...turned.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe1]);
    expect(turned[31]).toBe(8);
    expect([...turned.subarray(38)]).toEqual([0xff, 0xe0, 1, 2, 3]);
    expect([...withOrientation(jpeg, 0)]).toEqual([...jpeg]);
    expect([...withOrientation(Uint8Array.from([1, 2, 3]), 90)]).toEqual([1, 2, 3]);
  });
});
