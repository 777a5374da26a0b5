/**
 * Issue 18: no import cycles among server/src files, checked on every `npm test` (so in CI). A cycle is reported
 * with its files; break it by moving the shared piece into a module of its own (e.g. http/request.ts,
 * services/regrade.dto.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from './import-graph.ts';

describe('server/src import graph', () => {
  it('has no cycle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100); // the walk found the sources
    expect(graph.get('http/app.ts')).toContain('routes/index.ts'); // and their imports
    expect(cycles(graph)).toEqual([]);
  });

  it('the check finds cycles through static, type-only, re-export and dynamic imports, and a file importing itself', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-cycles-'));
    try {
      const write = (name: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
        fs.writeFileSync(path.join(root, name), text);
      };
      write('a.ts', "import { b } from './b.ts';\nexport const a = b;\n");
      write('b.ts', "import type { C } from './sub/c.ts';\nexport const b = 1 as unknown as C;\n");
      write('sub/c.ts', "export type C = number;\nexport { a } from '../a.ts';\n");
      write('d.ts', "export const d = () => import('./e.ts');\n");
      write('e.ts', "import { d } from './d.ts';\nimport fs from 'node:fs';\nexport const e = [d, fs];\n");
      write('f.ts', "export const f = () => import('./f.ts');\n");
      write('g.ts', "import { a } from './a.ts';\nexport const g = a;\n"); // depends on a cycle, is not in one
      expect(cycles(importGraph(root))).toEqual(expect.arrayContaining([['a.ts', 'b.ts', 'sub/c.ts'], ['d.ts', 'e.ts'], ['f.ts']]));
      expect(cycles(importGraph(root))).toHaveLength(3);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
