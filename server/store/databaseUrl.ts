// A PostgreSQL store is named by its URL; people see it without the password. The password is never
// given in the URL (a command line anyone on the host can read): it comes apart (server/startupSecrets.ts)
// and joins the URL only in memory, for the driver.
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

/** Whether a URL carries a password (refused on a command line). */
export function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/** The URL the driver connects with: the password joined in memory, never shown (displayUrl masks it). */
export function withPassword(url: string, password: string | null): string {
  if (password === null) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
