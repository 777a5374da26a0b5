// Worker threads do not inherit the TypeScript loader of the thread that starts them (vitest transforms TS only in
// its own thread; `node --import tsx` registers hooks per thread), so the worker registers tsx before loading TS.
import { register } from 'tsx/esm/api';

const unregister = register();
await import('./pdf-worker.ts');
/*
 * All of the engine's TypeScript is loaded now. What a thread imports later (pdfjs, on its first render) loads
 * natively: through tsx, whose hooks rewrite every dynamic import in pdfjs's 4 MB of code, a thread's first render
 * took 2.5 s more.
 */
await unregister();
