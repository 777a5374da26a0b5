// Worker threads do not inherit the TypeScript loader of the thread that starts them (vitest transforms TS only in
// its own thread; `node --import tsx` registers hooks per thread), so the worker registers tsx before loading TS.
import { register } from 'tsx/esm/api';

register();
await import('./pdf-worker.ts');
