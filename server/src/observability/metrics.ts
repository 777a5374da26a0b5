import client from 'prom-client';

/** One registry per process; the counters are what the alert rules in ops/alerts.yml watch. */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'korrigo_process_' });

export const metrics = {
  httpDuration: new client.Histogram({
    name: 'korrigo_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  }),
  lockConflicts: new client.Counter({ name: 'korrigo_lock_conflicts_total', help: 'Lease requests refused because another teacher holds the copy', registers: [registry] }),
  draftConflicts: new client.Counter({ name: 'korrigo_draft_conflicts_total', help: 'Draft saves refused as stale', registers: [registry] }),
  finalizeFailures: new client.Counter({ name: 'korrigo_finalize_failures_total', help: 'Copies that ended GRADING_FAILED', registers: [registry] }),
  jobsProcessed: new client.Counter({ name: 'korrigo_jobs_processed_total', help: 'Jobs run by this process', labelNames: ['kind', 'outcome'], registers: [registry] }),
};
