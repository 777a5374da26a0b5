import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fonts ship with the repo (server/assets/fonts, DejaVu licence beside them) so output never depends on the host. */
export const FONT_REGULAR_PATH = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));
export const FONT_BOLD_PATH = fileURLToPath(new URL('../../assets/fonts/DejaVuSans-Bold.ttf', import.meta.url));

let fontCache: { regular: Uint8Array; bold: Uint8Array } | undefined;

/** Font files, read once per thread. */
export function fontBytes(): { regular: Uint8Array; bold: Uint8Array } {
  fontCache ??= {
    regular: new Uint8Array(readFileSync(FONT_REGULAR_PATH)),
    bold: new Uint8Array(readFileSync(FONT_BOLD_PATH)),
  };
  return fontCache;
}

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** pdfjs reads these with fs in Node, so plain directory paths with a trailing separator. */
export const PDFJS_DATA = {
  standardFontDataUrl: path.join(pdfjsRoot, 'standard_fonts') + path.sep,
  cMapUrl: path.join(pdfjsRoot, 'cmaps') + path.sep,
  wasmUrl: path.join(pdfjsRoot, 'wasm') + path.sep,
  iccUrl: path.join(pdfjsRoot, 'iccs') + path.sep,
};
