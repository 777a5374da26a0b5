import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  production: boolean;
  metricsToken: string | null;
  adminEmail: string | null;
  adminPassword: string | null;
  /** edit lease time-to-live (DESIGN.md §3: 10 minutes) */
  leaseTtlMs: number;
  sessionTtlMs: number;
  maxUploadBytes: number;
  maxUploadPages: number;
  /** language of the documents the server writes (the final PDF's summary and score badges) */
  documentLanguage: DocumentLanguage;
  /** run the job runner inside the API process (embedded default) */
  runJobs: boolean;
  webDist: string | null;
}

export const DOCUMENT_LANGUAGES = ['fr', 'en'] as const;
export type DocumentLanguage = (typeof DOCUMENT_LANGUAGES)[number];

function documentLanguage(v: string | undefined): DocumentLanguage {
  if (!v) return 'fr';
  if ((DOCUMENT_LANGUAGES as readonly string[]).includes(v)) return v as DocumentLanguage;
  throw new Error(`KORRIGO_DOCUMENT_LANGUAGE must be one of ${DOCUMENT_LANGUAGES.join(', ')} (got "${v}")`);
}

const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(env.KORRIGO_DATA_DIR ?? './data');
  return {
    port: int(env.PORT, 8080),
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: env.DATABASE_URL || path.join(dataDir, 'korrigo.sqlite'),
    production: env.NODE_ENV === 'production',
    metricsToken: env.METRICS_TOKEN || null,
    adminEmail: env.KORRIGO_ADMIN_EMAIL || null,
    adminPassword: env.KORRIGO_ADMIN_PASSWORD || null,
    leaseTtlMs: int(env.KORRIGO_LEASE_TTL_MS, 10 * 60_000),
    sessionTtlMs: int(env.KORRIGO_SESSION_TTL_MS, 12 * 3600_000),
    maxUploadBytes: int(env.KORRIGO_MAX_UPLOAD_MB, 512) * 1024 * 1024,
    maxUploadPages: int(env.KORRIGO_MAX_UPLOAD_PAGES, 2000),
    documentLanguage: documentLanguage(env.KORRIGO_DOCUMENT_LANGUAGE),
    runJobs: true,
    webDist: null,
    ...overrides,
  };
}
