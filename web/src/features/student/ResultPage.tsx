export function ResultPage(_props: Record<string, unknown>) { return null; }
