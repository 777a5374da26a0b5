export function UsersPage(_props: Record<string, unknown>) { return null; }
