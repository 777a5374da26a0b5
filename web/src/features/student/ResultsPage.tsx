export function ResultsPage(_props: Record<string, unknown>) { return null; }
