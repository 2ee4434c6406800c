// Status panel badges say what happened in words and are coloured by what it means.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { markdownLine, verdictBadge } from '../../../extension/views/presentation';
import { delivery } from './fakeServer';

describe('extension delivery badges', () => {
  it('a queued run is green; ignored and duplicate are neutral, not green like queued; refusals are errors, in words', () => {
    const badge = (extra: Record<string, unknown>) => verdictBadge(delivery('d', extra) as never);
    assert.deepEqual(badge({}), { badge: 'run queued', tone: 'ok' });
    assert.deepEqual(badge({ verdict: 'ignored', stackIds: [] }), { badge: 'ignored', tone: 'neutral' });
    assert.equal(badge({ verdict: 'duplicate' }).tone, 'neutral');
    assert.deepEqual(badge({ verdict: 'bad-signature', status: 401 }), { badge: 'refused: bad signature', tone: 'error' });
    assert.deepEqual(badge({ verdict: 'deleted-integration', status: 410 }), { badge: 'refused: integration deleted', tone: 'error' });
  });
});

describe('extension Markdown in tree rows', () => {
  it('a description row shows its first line as text, not Markdown source', () => {
    assert.equal(markdownLine('The **acme** workspace'), 'The acme workspace');
    assert.equal(markdownLine('\n# Prod `infra` — see [the runbook](https://example.com)\nmore'), 'Prod infra — see the runbook');
  });
});
