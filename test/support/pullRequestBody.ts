// A `pullrequest:created`/`updated` body shaped like Bitbucket's, from `source` into `destination`,
// optionally from a fork (another repository as the source, with a UUID of its own).
import { createHash } from 'node:crypto';

/** A repository's UUID, the same for one name whatever its case, as Bitbucket's stays with the repository. */
function uuidOf(fullName: string): string {
  const hex = createHash('sha256').update(fullName.toLowerCase()).digest('hex');
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

export function pullRequestBody(fullName: string, options: { id: number; source: string; destination: string; commit: string; sourceRepository?: string }): string {
  const repository = (name: string) => ({ type: 'repository', full_name: name, name: name.split('/')[1], uuid: uuidOf(name) });
  return JSON.stringify({
    actor: { type: 'user', display_name: 'Ana Silva', uuid: '{5d6f1c2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f}' },
    repository: repository(fullName),
    pullrequest: {
      type: 'pullrequest',
      id: options.id,
      title: `Change ${options.id}`,
      state: 'OPEN',
      source: { branch: { name: options.source }, commit: { hash: options.commit }, repository: repository(options.sourceRepository ?? fullName) },
      destination: { branch: { name: options.destination }, commit: { hash: 'f'.repeat(12) }, repository: repository(fullName) },
    },
  });
}
