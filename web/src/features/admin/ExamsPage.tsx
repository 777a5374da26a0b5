export function ExamsPage(_props: Record<string, unknown>) { return null; }
