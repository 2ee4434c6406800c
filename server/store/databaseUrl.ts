// A PostgreSQL store is named by its URL; people see it without the password.
export const isDatabaseUrl = (value: string): boolean => /^postgres(ql)?:\/\//.test(value);

export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '•••';
    return parsed.toString();
  } catch {
    return 'the database';
  }
}
