import { createRequire } from 'node:module';

/*
 * pdf-lib formats every number it writes (each coordinate and colour channel of every drawing operator) with
 * `numberToString`, which splits the string twice and parses the parts to catch exponential notation: ten times
 * the cost of `String(n)`, a tenth of a flatten. The replacement returns `String(n)` whenever that has no exponent
 * (then the original returns it too) and defers to the original otherwise, so it writes exactly the same bytes.
 * pdf-lib looks the function up on its utils module at call time. Importing the module installs it (idempotent).
 */
const require = createRequire(import.meta.url);
// the very utils module pdf-lib's CommonJS build requires (cjs/index.js → cjs/utils/index.js)
const utils = require(require.resolve('pdf-lib').replace(/index\.js$/, 'utils/index.js')) as {
  numberToString: ((num: number) => string) & { exact?: (num: number) => string };
};

const exact = utils.numberToString.exact ?? utils.numberToString;
const numberToString = (num: number): string => {
  const s = String(num);
  return s.includes('e') ? exact(num) : s;
};
numberToString.exact = exact;
utils.numberToString = numberToString;
