import fontkit from '@pdf-lib/fontkit';
import { CustomFontSubsetEmbedder } from 'pdf-lib';
import { deflateOnce } from './pdf-lib-native-deflate.ts';

/*
 * Font work pdf-lib would redo on every document, done once per thread instead. A profile of a 4-page flatten
 * with 20 annotations put two thirds of its time in fontkit: parsing the font file on every embed, shaping every
 * string again on every draw, and re-encoding (then re-compressing) the same subset font at every save — that last
 * step also waited on a timer, fontkit's browser `nextTick`. Every cache below is keyed by everything its result
 * depends on, so the bytes are exactly the ones pdf-lib would have written: output stays deterministic.
 * Importing the module installs the subset patch (idempotent: it replaces the method, never wraps it).
 */

type Font = ReturnType<typeof fontkit.create>;
type GlyphRun = ReturnType<Font['layout']>;

/* Bounds, per font and thread: a few megabytes at most (a layout holds one glyph and one position per character). */
const LAYOUTS_PER_FONT = 2_000;
const LAYOUT_MAX_LENGTH = 200;
const SUBSETS_PER_FONT = 32;

const parsedFonts = new Map<Uint8Array, Font>();
const subsetCache = new WeakMap<object, Map<string, Uint8Array>>();

/**
 * A fontkit whose `create` remembers parsed fonts (keyed by the font file's byte array, so callers must pass the
 * same cached array) and whose fonts remember the layout of each string. pdf-lib only reads a layout's glyph ids,
 * code points and advance widths, so sharing one glyph run between documents is safe.
 */
export const cachingFontkit: typeof fontkit = {
  ...fontkit,
  create(buffer: Uint8Array, postscriptName?: string) {
    let font = parsedFonts.get(buffer);
    if (!font) {
      font = fontkit.create(buffer, postscriptName);
      keepCodePoints(font);
      memoizeLayout(font);
      parsedFonts.set(buffer, font);
    }
    return font;
  },
};

/*
 * fontkit keeps one glyph object per id for the font's lifetime, with the code points it was first asked for. A
 * glyph first created as a component of a composite (E inside É, while a subset is encoded) has none, and pdf-lib
 * builds the PDF's ToUnicode map from them: once the font outlives a document, a later document's E could not be
 * copied or searched. A glyph asked for with its characters gets them when it has none.
 */
function keepCodePoints(font: Font): void {
  const f = font as unknown as { getGlyph(id: number, characters?: number[]): { codePoints: number[] } | null };
  const getGlyph = f.getGlyph.bind(f);
  f.getGlyph = (id, characters = []) => {
    const glyph = getGlyph(id, characters);
    if (glyph && glyph.codePoints.length === 0 && characters.length > 0) glyph.codePoints = characters;
    return glyph;
  };
}

function memoizeLayout(font: Font): void {
  const layout = font.layout.bind(font);
  const runs = new Map<string, GlyphRun>();
  font.layout = (text: string, ...rest: unknown[]): GlyphRun => {
    // pdf-lib passes no features unless asked to; anything else, or a long text, is laid out afresh.
    if (text.length > LAYOUT_MAX_LENGTH || rest.some((arg) => arg !== undefined)) {
      return (layout as (...args: unknown[]) => GlyphRun)(text, ...rest);
    }
    let run = runs.get(text);
    if (!run) {
      if (runs.size >= LAYOUTS_PER_FONT) runs.clear();
      run = layout(text);
      runs.set(text, run);
    }
    return run;
  };
}

/** The parts of fontkit's (untyped) subset and its restructure output stream that the patch relies on. */
interface FontkitSubset {
  font: object;
  glyphs: number[];
  encode(stream: EncodeStream): void;
  encodeStream(this: { encode(stream: EncodeStream): void }): EncodeStream;
}
interface EncodeStream {
  push(chunk: Uint8Array | null): boolean;
  flush(): void;
}
type EncodeStreamClass = new () => EncodeStream;

let encodeStreamClass: EncodeStreamClass | undefined;

/** fontkit keeps restructure's EncodeStream class to itself; a subset's own `encodeStream` hands one out. */
function outputStreamClass(subset: FontkitSubset): EncodeStreamClass {
  // Encoding nothing: the stream only ends, on fontkit's next tick, with no one listening.
  encodeStreamClass ??= subset.encodeStream.call({ encode: () => undefined }).constructor as EncodeStreamClass;
  return encodeStreamClass;
}

/** The subset font file, encoded synchronously by the very code fontkit's `encodeStream` would run later. */
function encodeSubset(subset: FontkitSubset): Uint8Array {
  const stream = new (outputStreamClass(subset))();
  const parts: Uint8Array[] = [];
  let length = 0;
  stream.push = (chunk) => {
    if (chunk) {
      parts.push(chunk);
      length += chunk.length;
    }
    return true;
  };
  subset.encode(stream);
  stream.flush();
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/*
 * A subset's file depends only on its font and the glyph ids included so far, in order (encoding appends the
 * components of composite glyphs, deterministically from those). The cached array is never handed out for
 * writing: pdf-lib compresses it into a new stream, so its compressed form is cached alongside (`deflateOnce`).
 */
(CustomFontSubsetEmbedder.prototype as unknown as { serializeFont(): Promise<Uint8Array> }).serializeFont =
  function serializeFont(this: { subset: FontkitSubset }): Promise<Uint8Array> {
    const subset = this.subset;
    let cache = subsetCache.get(subset.font);
    if (!cache) {
      cache = new Map();
      subsetCache.set(subset.font, cache);
    }
    const key = subset.glyphs.join(',');
    let bytes = cache.get(key);
    if (!bytes) {
      bytes = encodeSubset(subset);
      if (cache.size >= SUBSETS_PER_FONT) cache.clear();
      cache.set(key, deflateOnce(bytes));
    }
    return Promise.resolve(bytes);
  };
