import { createCanvas } from '@napi-rs/canvas';

let cached: Promise<{ bytes: Uint8Array; width: number; height: number }> | null = null;

/** A small scan-like JPEG, made once per process (one canvas: see the @napi-rs/canvas note in the README). */
export function tinyJpeg() {
  cached ??= (async () => {
    const width = 248;
    const height = 351;
    const canvas = createCanvas(width, height);
    const g = canvas.getContext('2d');
    g.fillStyle = '#f7f4ec';
    g.fillRect(0, 0, width, height);
    g.strokeStyle = '#223';
    for (let y = 40; y < height - 20; y += 18) {
      g.beginPath();
      g.moveTo(20, y);
      g.lineTo(width - 20 - (y % 37), y + 2);
      g.stroke();
    }
    return { bytes: new Uint8Array(await canvas.encode('jpeg', 80)), width, height };
  })();
  return cached;
}
