// A worker thread with its own database connection, for the P0-DI-001 mixed (copy / question) lease test.
import { register } from 'tsx/esm/api';

register();
await import('./mixed-lease-worker.ts');
