/** autocannon runs, with every response's latency kept so percentiles are exact rather than histogram buckets. */
import autocannon, { type Options } from 'autocannon';
import { percentile } from './stats.ts';

export interface LoadResult {
  completed: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  statusCounts: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** every answer's latency, ms */
  latencies: number[];
}

export function runLoad(opts: Options): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const started = performance.now();
    const instance = autocannon({ timeout: 30, ...opts }, (err, result) => {
      if (err) return reject(err);
      const seconds = (performance.now() - started) / 1000;
      resolve({
        completed: latencies.length,
        seconds,
        rps: latencies.length / seconds,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        statusCounts: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        latencies,
      });
    });
    // every completed response, whatever its status: a 409 of a lock storm is an answer too
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  });
}
