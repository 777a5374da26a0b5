/** The dictionaries and the t() function without React, so plain modules (error messages) can translate too. */
import { en, fr, type Key } from './dict';

export type { Key } from './dict';
export type Lang = 'fr' | 'en';

const dicts: Record<Lang, Record<Key, string>> = { en, fr };

/** For keys built from server values (event actions…), which may be ones this build does not know. */
export const isKey = (k: string): k is Key => Object.prototype.hasOwnProperty.call(en, k);

export function translate(lang: Lang, key: Key, params?: Record<string, string | number>): string {
  const s = dicts[lang][key] ?? en[key] ?? key;
  return params ? s.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : String(params[k]))) : s;
}
