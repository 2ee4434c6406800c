// What an integration's username must be: API tokens sign in to Bitbucket's REST API with the
// Atlassian account email, so a Bitbucket username can never work. Checked here once: the editor
// asks while it is typed, create and update refuse it.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function usernameProblem(username: string): string | undefined {
  const value = username.trim();
  if (value === '') return 'Enter the email of your Atlassian account.';
  if (!EMAIL.test(value)) {
    return 'An Atlassian API token signs in with your Atlassian account email (for example ana@example.com), not a Bitbucket username.';
  }
  return undefined;
}
