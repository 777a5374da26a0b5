export function StudentsPage(_props: Record<string, unknown>) { return null; }
