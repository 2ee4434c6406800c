import * as assert from 'node:assert/strict';
import { parseCodeServerVersion } from '../../../scripts/lib/codeServerVersion';

describe('code-server version check', () => {
  it('finds the version after the log line of a first run', () => {
    const firstRun = [
      '[2026-12-01T18:08:36.694Z] info  Wrote default config file to /home/ana/.config/code-server/config.yaml',
      '4.139.1 0f1e2d3c4b5a69788776655443322110ffeeddcc with Code 1.139.1',
    ].join('\n');
    assert.equal(parseCodeServerVersion(firstRun), '4.139.1');
  });

  it('reads the version when it is the only line', () => {
    assert.equal(parseCodeServerVersion('4.139.1 0f1e2d3c with Code 1.139.1\n'), '4.139.1');
  });

  it('keeps a pre-release suffix', () => {
    assert.equal(parseCodeServerVersion('4.140.0-rc.1 abc with Code 1.140.0'), '4.140.0-rc.1');
  });

  it('does not take a timestamp or a word for a version', () => {
    assert.equal(parseCodeServerVersion('[2026-12-01T18:08:36.694Z] info  Wrote default config file'), null);
    assert.equal(parseCodeServerVersion('error: Cannot find module\n'), null);
    assert.equal(parseCodeServerVersion(''), null);
  });
});
