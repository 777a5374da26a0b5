/**
 * GET /exams/:id/stats has no schema in contracts yet; this accepts the plausible shapes and normalizes them:
 * numbers in hundredths; histograms as buckets or bare counts over [0, max].
 */
export interface Bucket {
  from: number;
  to: number;
  count: number;
}
export interface Summary {
  label: string;
  count: number | null;
  mean: number | null;
  median: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  maxPoints: number | null;
  histogram: Bucket[];
}
export interface NormalStats {
  exam: Summary;
  questions: Summary[];
  correctors: Summary[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function normalizeHistogram(raw: unknown, maxPoints: number | null): Bucket[] {
  const arr = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && Array.isArray((raw as { buckets?: unknown }).buckets) ? (raw as { buckets: unknown[] }).buckets : [];
  if (arr.length === 0) return [];
  if (typeof arr[0] === 'number') {
    const max = maxPoints ?? arr.length * 100;
    const w = max / arr.length;
    return (arr as number[]).map((count, i) => ({ from: Math.round(i * w), to: Math.round((i + 1) * w), count }));
  }
  return arr.map((b) => {
    const o = (b ?? {}) as Record<string, unknown>;
    return { from: num(o.from ?? o.min ?? o.lower) ?? 0, to: num(o.to ?? o.max ?? o.upper) ?? 0, count: num(o.count ?? o.n) ?? 0 };
  });
}

function summary(raw: unknown, fallbackLabel: string): Summary {
  const o = (raw ?? {}) as Record<string, unknown>;
  const maxPoints = num(o.maxPoints ?? o.maxTotal ?? o.outOf);
  return {
    label:
      typeof o.label === 'string'
        ? o.label
        : ((o.user ?? o.corrector) as { displayName?: string } | null)?.displayName ?? (typeof o.displayName === 'string' ? o.displayName : fallbackLabel),
    count: num(o.count ?? o.n),
    mean: num(o.mean),
    median: num(o.median),
    sd: num(o.sd ?? o.stddev ?? o.stdDev),
    min: num(o.min),
    max: num(o.max),
    maxPoints,
    histogram: normalizeHistogram(o.histogram, maxPoints),
  };
}

export function normalizeStats(raw: unknown, examLabel: string, maxTotal: number): NormalStats {
  const o = (raw ?? {}) as Record<string, unknown>;
  const examRaw = (o.exam ?? o.overall ?? o.total ?? o) as Record<string, unknown>;
  const exam = summary(examRaw, examLabel);
  exam.label = examLabel;
  if (exam.maxPoints === null) exam.maxPoints = maxTotal;
  if (exam.histogram.length === 0) exam.histogram = normalizeHistogram(examRaw.histogram, maxTotal);
  const list = (v: unknown) => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []);
  return {
    exam,
    questions: list(o.questions ?? o.perQuestion).map((q, i) => summary(q, `Q${i + 1}`)),
    correctors: list(o.correctors ?? o.perCorrector).map((c, i) => summary(c, `#${i + 1}`)),
  };
}
