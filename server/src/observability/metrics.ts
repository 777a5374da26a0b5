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
  recovered: new client.Counter({
    name: 'korrigo_recovered_total',
    help: 'Things the recovery sweep put back in order (expired leases, requeued or failed jobs, copies with a lost job)',
    labelNames: ['what'],
    registers: [registry],
  }),
  // gauges below are read from the database at scrape time (observability/collect.ts), so every process reports the same
  jobs: new client.Gauge({ name: 'korrigo_jobs', help: 'Jobs in the queue by kind and state', labelNames: ['kind', 'state'], registers: [registry] }),
  copies: new client.Gauge({ name: 'korrigo_copies', help: 'Copies by status', labelNames: ['status'], registers: [registry] }),
  jobOldestAge: new client.Gauge({
    name: 'korrigo_job_oldest_age_seconds',
    help: 'Age of the oldest due QUEUED job (waiting since run_after) and of the longest RUNNING job (since claimed)',
    labelNames: ['state'],
    registers: [registry],
  }),
  // set by the periodic orphan sweep of this process: what its last run found (and removed)
  orphanBytes: new client.Gauge({ name: 'korrigo_orphan_bytes', help: 'Bytes of orphaned files and blob rows found by the last orphan sweep', registers: [registry] }),
  orphanSweepTimestamp: new client.Gauge({
    name: 'korrigo_orphan_sweep_timestamp_seconds',
    help: 'When the last orphan sweep of this process finished (Unix time)',
    registers: [registry],
  }),
};
