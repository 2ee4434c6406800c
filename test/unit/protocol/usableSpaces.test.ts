// R4 twice: the editor's spacesUsableBy (which spaces Create Stack offers) and the server's
// isUsableFrom (what stacks/create refuses) agree on every space of a tree with inheritance off
// somewhere, for a default integration and for space-level ones at each level.
import { strict as assert } from 'node:assert';
import { spacesUsableBy, type Space } from '../../../server/protocol';
import { isUsableFrom } from '../../../server/registry/usability';
import type { RegistryState, StoredIntegration } from '../../../server/registry/state';

const SPACES: Space[] = [
  { id: 'root', name: 'root', parentId: null, inheritEntities: false },
  { id: 'platform', name: 'platform', parentId: 'root', inheritEntities: true },
  { id: 'platform-eu', name: 'platform eu', parentId: 'platform', inheritEntities: true },
  { id: 'platform-eu-dev', name: 'dev', parentId: 'platform-eu', inheritEntities: false },
  { id: 'payments', name: 'payments', parentId: 'root', inheritEntities: false },
];

const integration = (type: 'default' | 'space', spaceId: string) => ({ id: 'i', name: 'i', type, spaceId }) as unknown as StoredIntegration;

describe('protocol/usableSpaces: the editor offers exactly the spaces the server accepts (R4)', () => {
  const state = { spaces: SPACES } as unknown as RegistryState;
  for (const [type, spaceId] of [['default', 'root'], ['space', 'root'], ['space', 'platform'], ['space', 'platform-eu'], ['space', 'payments']] as const) {
    it(`a ${type} integration of ${spaceId}`, () => {
      const offered = spacesUsableBy(SPACES, { type, spaceId });
      const accepted = SPACES.filter((space) => isUsableFrom(state, integration(type, spaceId), space.id)).map((space) => space.id);
      assert.deepEqual([...offered].sort(), accepted.sort());
      assert.ok(offered.has(spaceId), 'its own space always');
    });
  }

  it('a space-level integration of platform is not offered in dev (inheritance is off there) nor in payments', () => {
    assert.deepEqual([...spacesUsableBy(SPACES, { type: 'space', spaceId: 'platform' })].sort(), ['platform', 'platform-eu']);
  });
});
