// What a stack's project root may be, said the same way by the server (which refuses it in Create
// and Edit Stack) and the editor (which says it while the root is typed): a folder inside the
// repository, relative to its top. Whether the folder exists, and where its links lead, is checked
// at run time against the checkout (server/runs/projectRoot.ts).

/** Why this project root cannot be a stack's, in words; undefined when it can. */
export function projectRootProblem(root: string): string | undefined {
  const value = root.trim();
  if (value === '') return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(value)) return 'A project root cannot hold control or text-direction characters.';
  if (value.includes('\\')) return `"${value}" uses backslashes: write the folder with forward slashes, as in envs/prod.`;
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || value.startsWith('~')) {
    return `"${value}" is an absolute path: give a folder inside the repository, relative to its top (for example envs/prod).`;
  }
  if (value.split('/').includes('..')) return `"${value}" leaves the repository (".."): give a folder inside it, relative to its top (for example envs/prod).`;
  return undefined;
}
