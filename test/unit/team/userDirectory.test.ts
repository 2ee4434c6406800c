import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileUserDirectory } from '../../../server/team/userDirectory';
import { bearerToken, hashToken } from '../../../server/team/tokens';
import { userDirectoryBehaviour } from '../../support/userDirectoryBehaviour';

const fresh = () => new FileUserDirectory(mkdtempSync(path.join(os.tmpdir(), 'stackhook-users-')));

userDirectoryBehaviour('file engine', async () => fresh());

describe('the file engine\'s users file', () => {
  it('keeps a token only as its hash', async () => {
    const directory = fresh();
    await directory.addUser('ana', new Date());
    const issued = await directory.createToken('ana', new Date(), 1);
    const file = readFileSync(directory.file, 'utf8');
    assert.ok(!file.includes(issued.token));
    assert.ok(file.includes(hashToken(issued.token)));
  });

  it('reads a bearer token from the Authorization header and nothing else', () => {
    assert.equal(bearerToken('Bearer shk_abc'), 'shk_abc');
    assert.equal(bearerToken('bearer  shk_abc '), 'shk_abc');
    assert.equal(bearerToken('Basic YW5hOnB3'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken(undefined), null);
  });
});
