import { strict as assert } from 'node:assert';
import { isUsableFrom } from '../../../server/registry/usability';
import { createSpace } from '../../../server/registry/spaces';
import { addIntegration } from '../../../server/registry/integrations';
import { emptyState, type RegistryState } from '../../../server/registry/state';

const now = new Date('2026-11-25T12:00:00Z');

/** root → platform → platform-eu → platform-eu-west, and root → payments. */
function tree(inherit: { eu: boolean; west: boolean }): RegistryState {
  const state = emptyState('ana');
  createSpace(state, { name: 'platform', parentId: 'root', inheritEntities: true });
  createSpace(state, { name: 'platform eu', parentId: 'platform', inheritEntities: inherit.eu });
  createSpace(state, { name: 'platform eu west', parentId: 'platform-eu', inheritEntities: inherit.west });
  createSpace(state, { name: 'payments', parentId: 'root', inheritEntities: true });
  return state;
}

function spaceIntegration(state: RegistryState) {
  return addIntegration(state, { name: 'platform bb', type: 'space', spaceId: 'platform', username: 'ana@example.com' }, now);
}

describe('registry/usability', () => {
  it('R4: a default integration is usable by stacks in every space', () => {
    const state = tree({ eu: false, west: false });
    const integration = addIntegration(state, { name: 'main', type: 'default', username: 'ana@example.com' }, now);
    for (const space of ['root', 'platform', 'platform-eu', 'platform-eu-west', 'payments']) {
      assert.equal(isUsableFrom(state, integration, space), true, space);
    }
  });

  it('R4: a space-level integration is usable in its own space, not in its parent or a sibling', () => {
    const state = tree({ eu: true, west: true });
    const integration = spaceIntegration(state);
    assert.equal(isUsableFrom(state, integration, 'platform'), true);
    assert.equal(isUsableFrom(state, integration, 'root'), false);
    assert.equal(isUsableFrom(state, integration, 'payments'), false);
  });

  it('R4: usable from a descendant through an unbroken chain of inheriting spaces', () => {
    const state = tree({ eu: true, west: true });
    const integration = spaceIntegration(state);
    assert.equal(isUsableFrom(state, integration, 'platform-eu'), true);
    assert.equal(isUsableFrom(state, integration, 'platform-eu-west'), true);
  });

  it('R4: not usable through a broken chain: one space on the path without inheritance cuts off everything below it', () => {
    const brokenInMiddle = tree({ eu: false, west: true });
    const integration = spaceIntegration(brokenInMiddle);
    assert.equal(isUsableFrom(brokenInMiddle, integration, 'platform-eu'), false);
    assert.equal(isUsableFrom(brokenInMiddle, integration, 'platform-eu-west'), false);

    const brokenAtLeaf = tree({ eu: true, west: false });
    const other = spaceIntegration(brokenAtLeaf);
    assert.equal(isUsableFrom(brokenAtLeaf, other, 'platform-eu'), true);
    assert.equal(isUsableFrom(brokenAtLeaf, other, 'platform-eu-west'), false);
  });

  it('R4: the inheritance flag of the integration\'s own space does not matter, only the spaces below it', () => {
    const state = tree({ eu: true, west: true });
    const platform = state.spaces.find((s) => s.id === 'platform');
    if (platform) platform.inheritEntities = false;
    const integration = spaceIntegration(state);
    assert.equal(isUsableFrom(state, integration, 'platform-eu-west'), true);
  });
});
