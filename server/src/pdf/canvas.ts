import { createCanvas, type Canvas } from '@napi-rs/canvas';

/*
 * @napi-rs/canvas becomes unstable when a process creates many canvases, so each thread owns exactly one and
 * resizes it. Callers take turns through `withCanvas`: rendering and encoding are async, and two overlapping users
 * would otherwise resize the canvas under each other.
 */
let canvas: Canvas | undefined;
let queue: Promise<unknown> = Promise.resolve();

export function withCanvas<T>(width: number, height: number, use: (canvas: Canvas) => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    canvas ??= createCanvas(width, height);
    // Assigning the size clears the bitmap and resets the context state, even when it does not change.
    canvas.width = width;
    canvas.height = height;
    return use(canvas);
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}
