// The extension reaches the server only through server/protocol/: the lint rule that holds that
// line, tried on a real file under extension/ with ESLint's Node API and the repository's config.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');

async function lintExtensionFile(source: string): Promise<ESLint.LintResult> {
  const file = path.join(ROOT, 'extension', `boundaryProbe-${randomUUID().slice(0, 8)}.ts`);
  writeFileSync(file, source);
  try {
    const [result] = await new ESLint({ cwd: ROOT }).lintFiles([file]);
    assert.ok(result, 'ESLint answered for the file');
    return result;
  } finally {
    rmSync(file, { force: true });
  }
}

const restricted = (result: ESLint.LintResult) => result.messages.filter((message) => message.ruleId === 'no-restricted-imports');

describe('lint: the extension imports only the protocol from the server', function () {
  this.timeout(90_000);

  it('an extension file that imports server/registry is an error that says what to do', async () => {
    const result = await lintExtensionFile(
      "import { requireIntegration } from '../server/registry/integrations';\nexport const probe = requireIntegration;\n",
    );
    const [error, ...others] = restricted(result);
    assert.equal(others.length, 0);
    assert.equal(error?.severity, 2);
    assert.match(error?.message ?? '', /only server\/protocol\/ from the server/);
  });

  it('an extension file that imports server/protocol passes the rule', async () => {
    const result = await lintExtensionFile("import { Status } from '../server/protocol';\nexport const probe = Status;\n");
    assert.deepEqual(restricted(result), []);
    assert.deepEqual(result.messages.filter((message) => message.fatal), [], 'the file was parsed');
  });
});
