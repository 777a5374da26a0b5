// A worker thread with its own database connection, for the P0-DI-001 parallel lease test.
import { register } from 'tsx/esm/api';

register();
await import('./lock-worker.ts');
