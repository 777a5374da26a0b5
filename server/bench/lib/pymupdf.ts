/** The original system's way of doing the work: PyMuPDF, from Debian's python3-fitz, run by the system Python. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Debian's python3-fitz installs into the system interpreter, not into a pyenv or venv python3 found on PATH.
export const SYSTEM_PYTHON = process.env.KORRIGO_BENCH_PYTHON ?? '/usr/bin/python3';
const scripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../py');

export function pymupdfVersion(): string | null {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import fitz; print(fitz.VersionBind)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const PYMUPDF_MISSING = 'PyMuPDF not available: install python3-fitz (apt-get install -y python3-fitz); original-way figures skipped';

/** Runs bench/py/<script> and returns the JSON object it prints last. */
export function runPython<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [path.join(scripts, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with code ${code}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${out.slice(-500)}`));
      }
    });
  });
}
