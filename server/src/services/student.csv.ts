/**
 * Roster CSV reading, pure (bytes in, rows and per-line errors out): what schools actually export —
 * Excel's Windows-1252 or UTF-8 with a BOM, `;` (French Excel) or `,`, quoted fields spanning lines, French or
 * English headers. Parsing is csv-parse's; this module decides encoding, delimiter, columns and row validity.
 */
import { isUtf8 } from 'node:buffer';
import { parse, type Options } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { validation } from '../errors.ts';

export type RosterField = 'student_number' | 'last_name' | 'first_name' | 'email' | 'class_name';
export type Encoding = 'utf-8' | 'windows-1252' | 'utf-16le';
export type Delimiter = ';' | ',' | '\t';

const LIGATURES: Record<string, string> = { œ: 'oe', Œ: 'oe', æ: 'ae', Æ: 'ae', ß: 'ss', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l', đ: 'd', Đ: 'd' };

/**
 * Lower case, no accents, ligatures spelled out, whitespace collapsed. Applied to `students.search_key` at write
 * time and to the query at search time, so `LIKE` gives the same accent- and case-insensitive answer on SQLite
 * and PostgreSQL without collations or extensions.
 */
export function foldText(s: string): string {
  return s
    .replace(/[œŒæÆßøØłŁđĐ]/g, (c) => LIGATURES[c]!)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export const searchKeyOf = (s: { studentNumber: string; lastName: string; firstName: string }) =>
  foldText(`${s.studentNumber} ${s.lastName} ${s.firstName}`);

/** Header spellings seen in school exports, compared folded and without punctuation (`Prénom` → `prenom`). */
const HEADER_ALIASES: Record<RosterField, string[]> = {
  student_number: [
    'studentnumber', 'number', 'studentid', 'numero', 'num', 'no', 'n', 'ine', 'numeroine', 'numeroeleve',
    'numeroetudiant', 'numeronational', 'matricule', 'identifiant',
  ],
  last_name: ['lastname', 'nom', 'nomdefamille', 'nomfamille', 'surname', 'familyname'],
  first_name: ['firstname', 'prenom', 'prenoms', 'givenname'],
  email: ['email', 'mail', 'courriel', 'adressemail', 'adresseemail', 'emailaddress', 'adressecourriel'],
  class_name: ['classname', 'class', 'classe', 'division', 'groupe', 'group'],
};
const FIELD_OF = new Map<string, RosterField>(
  (Object.entries(HEADER_ALIASES) as [RosterField, string[]][]).flatMap(([f, names]) => names.map((n) => [n, f] as const)),
);
const REQUIRED: RosterField[] = ['student_number', 'last_name', 'first_name'];
const MAX_LEN: Record<RosterField, number> = { student_number: 64, last_name: 200, first_name: 200, email: 254, class_name: 100 };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface RosterRow {
  line: number;
  studentNumber: string;
  lastName: string;
  firstName: string;
  /** undefined when the file has no such column (the stored value is then left alone) */
  email?: string | null;
  className?: string | null;
}

export interface ParsedRoster {
  rows: RosterRow[];
  errors: { line: number; message: string }[];
  /** which optional columns the file has */
  present: { email: boolean; className: boolean };
  ignoredColumns: string[];
  encoding: Encoding;
  delimiter: Delimiter;
}

/** Valid UTF-8 is read as UTF-8 (a cp1252 file with accents is practically never valid UTF-8), else Windows-1252. */
export function decodeCsv(bytes: Buffer): { text: string; encoding: Encoding } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), 'utf-16le'), encoding: 'utf-16le' };
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: bytes.subarray(3).toString('utf8'), encoding: 'utf-8' };
  }
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), encoding: 'utf-8' };
  return { text: iconv.decode(bytes, 'windows-1252'), encoding: 'windows-1252' };
}

/** The delimiter that occurs most in the header line; `;` wins ties (French Excel). */
function detectDelimiter(text: string): Delimiter {
  const header = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const count = (c: string) => header.split(c).length - 1;
  let best: Delimiter = ';';
  for (const d of [',', '\t'] as const) if (count(d) > count(best)) best = d;
  return best;
}

const headerKey = (h: string) => foldText(h).replace(/[^a-z0-9]/g, '');
const countBreaks = (s: string) => s.split('\n').length - 1;

/**
 * csv-parse reports the line where a record ENDS; errors must name the line where it starts. Its raw text
 * carries the empty lines skipped before it and its own record delimiter: drop those, count what is left.
 */
function startLine(endLine: number, raw: string): number {
  const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
  return endLine - countBreaks(body);
}

const clean = (v: string | undefined) => (v ?? '').replace(/\s+/g, ' ').trim();

/** Parses a roster. Throws 400 only for file-level problems (empty, no header, missing required columns). */
export function parseRoster(bytes: Buffer): ParsedRoster {
  const decoded = decodeCsv(bytes);
  const encoding = decoded.encoding;
  // one line-break convention: csv-parse miscounts lines for CRLF inside quoted fields
  const text = decoded.text.replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw validation('The file is empty');
  const delimiter = detectDelimiter(text);
  const errors: { line: number; message: string }[] = [];
  // on_skip is a documented csv-parse 5 option missing from its type definitions
  const options: Options & { on_skip: (err: { message: string; lines?: number } | undefined, raw?: string) => void } = {
    delimiter,
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      if (!err) return;
      errors.push({ line: startLine(err.lines ?? 0, raw ?? ''), message: `Unreadable CSV: ${err.message}` });
    },
  };
  const records = parse(text, options) as { record: string[]; info: { lines: number }; raw: string }[];

  const headerRec = records.shift();
  if (!headerRec) throw validation('The file has no header line');
  const columns = new Map<RosterField, number>();
  const ignoredColumns: string[] = [];
  headerRec.record.forEach((cell, i) => {
    const field = FIELD_OF.get(headerKey(cell));
    if (!field) {
      if (cell.trim() !== '') ignoredColumns.push(cell.trim());
      return;
    }
    if (columns.has(field)) throw validation(`Two columns of the header mean ${field}: keep only one`, { column: field });
    columns.set(field, i);
  });
  const missing = REQUIRED.filter((f) => !columns.has(f));
  if (missing.length) {
    const expected = missing.map((f) => `${f} (e.g. ${HEADER_ALIASES[f].slice(0, 4).join(', ')})`).join('; ');
    throw validation(
      `Missing required column(s): ${expected}. The header line read was: ${headerRec.record.join(delimiter === '\t' ? ' | ' : delimiter)}`,
      { missingColumns: missing },
    );
  }
  const present = { email: columns.has('email'), className: columns.has('class_name') };

  const rows: RosterRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { record, info, raw } of records) {
    const line = startLine(info.lines, raw);
    const get = (f: RosterField) => (columns.has(f) ? clean(record[columns.get(f)!]) : undefined);
    if (record.every((c) => clean(c) === '')) continue; // a line of bare delimiters (Excel pads them)
    const values = {
      student_number: get('student_number')!,
      last_name: get('last_name')!,
      first_name: get('first_name')!,
      email: get('email'),
      class_name: get('class_name'),
    };
    const problems: string[] = [];
    for (const f of REQUIRED) if (!values[f]) problems.push(`${f} is empty`);
    for (const f of Object.keys(values) as RosterField[]) {
      const v = values[f];
      if (v && v.length > MAX_LEN[f]) problems.push(`${f} is longer than ${MAX_LEN[f]} characters`);
      if (v && /\p{Cc}/u.test(v)) problems.push(`${f} contains control characters`);
    }
    const email = values.email ? values.email.toLowerCase() : values.email === undefined ? undefined : null;
    if (email && !EMAIL.test(email)) problems.push(`email "${values.email}" is not an email address`);
    if (problems.length) {
      errors.push({ line, message: problems.join('; ') });
      continue;
    }
    const first = firstLineOf.get(values.student_number);
    if (first !== undefined) {
      errors.push({ line, message: `student number ${values.student_number} already appears on line ${first}; this line was ignored` });
      continue;
    }
    firstLineOf.set(values.student_number, line);
    rows.push({
      line,
      studentNumber: values.student_number,
      lastName: values.last_name,
      firstName: values.first_name,
      ...(present.email ? { email: email ?? null } : {}),
      ...(present.className ? { className: values.class_name || null } : {}),
    });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors, present, ignoredColumns, encoding, delimiter };
}
