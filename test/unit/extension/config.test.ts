import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { resetStub, settings } from '../../support/vscodeStub';
import { readSettings, serverArgs } from '../../../extension/connection/config';
import { redact, registerSecret } from '../../../extension/surfaces/log';

describe('extension settings and log', () => {
  beforeEach(() => resetStub());

  it('passes only the settings that are set as server flags, with the secrets kept in VS Code', () => {
    assert.deepEqual(serverArgs(readSettings()), ['--secrets', 'client']);
    settings.set('stackhook.publicUrl', 'https://hooks.example.com');
    settings.set('stackhook.listen', '127.0.0.1:8787');
    settings.set('stackhook.storePath', '~/stores/stackhook');
    settings.set('stackhook.bitbucketApiUrl', 'http://127.0.0.1:9999/2.0');
    assert.deepEqual(serverArgs(readSettings()), [
      '--secrets',
      'client',
      '--store',
      path.join(os.homedir(), 'stores/stackhook'),
      '--public-url',
      'https://hooks.example.com',
      '--listen',
      '127.0.0.1:8787',
      '--bitbucket-api',
      'http://127.0.0.1:9999/2.0',
    ]);
  });

  it('masks registered secrets and any "secret" JSON field', () => {
    registerSecret('tok-0123456789');
    registerSecret('abc');
    assert.equal(redact('auth tok-0123456789 and abc'), 'auth •••••• and abc');
    assert.equal(redact('{"name":"x","secret":"un\\"seen"}'), '{"name":"x","secret":"••••••"}');
  });
});
