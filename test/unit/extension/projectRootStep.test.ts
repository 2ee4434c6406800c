// The project root step of Create and Edit Stack says, while the root is typed, what the server
// would refuse (the protocol's one rule): "../etc" is an error in the box, not a failure after the
// last step or at run time.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import type { InputStep, Prompter } from '../../../extension/commands/quickInput';
import { projectRootStep, type StackDraft, type StackFlow } from '../../../extension/commands/stackInput';
import { FakeServer } from './fakeServer';

describe('extension project root step', () => {
  it('refuses ../etc and /etc while typing, in plain words, and takes envs/prod', async () => {
    let seen: InputStep | undefined;
    const prompter: Prompter = {
      input: async (step) => {
        seen = step;
        return 'envs/prod';
      },
      pick: async () => undefined,
    };
    const flow = { server: new FakeServer({}), prompter, integrations: [], spaces: [], fixed: new Set() } as unknown as StackFlow;
    const draft = { projectRoot: '' } as StackDraft;
    await projectRootStep(flow).run(draft, { title: 'Create stack', step: 3, totalSteps: 6 } as never);
    assert.ok(seen?.validate, 'the step validates what is typed');
    const problem = async (value: string) => (await seen?.validate?.(value)) ?? undefined;
    assert.deepEqual(await problem('../etc'), { severity: 'error', message: '"../etc" leaves the repository (".."): give a folder inside it, relative to its top (for example envs/prod).' });
    assert.match((await problem('/etc'))?.message ?? '', /absolute path/);
    assert.doesNotMatch((await problem('/etc'))?.message ?? '', /Invalid parameters|stackhook\//, 'never protocol text');
    assert.equal(await problem('envs/prod'), undefined);
    assert.equal(await problem(''), undefined, 'optional: the repository\'s top');
    assert.equal(draft.projectRoot, 'envs/prod');
  });
});
