export function ExamPage(_props: Record<string, unknown>) { return null; }
