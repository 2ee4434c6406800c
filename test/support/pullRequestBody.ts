// A `pullrequest:created`/`updated` body shaped like Bitbucket's, from `source` into `destination`,
// optionally from a fork (another repository as the source).
export function pullRequestBody(fullName: string, options: { id: number; source: string; destination: string; commit: string; sourceRepository?: string }): string {
  const repository = (name: string) => ({ type: 'repository', full_name: name, name: name.split('/')[1], uuid: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}' });
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
