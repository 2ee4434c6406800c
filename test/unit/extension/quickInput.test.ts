// The one multi-step input every flow uses: steps counted and numbered, Back, kept values, skipped
// lone choices, guidance that stays visible, and validation only once something was typed.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { recorded, resetStub } from '../../support/vscodeStub';
import { BACK, presentValidation, quickInputPrompter, runSteps, type FlowStep, type Validation } from '../../../extension/commands/quickInput';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('extension multi-step input', () => {
  beforeEach(() => resetStub());

  describe('runSteps', () => {
    type Draft = { a: string; b: string; c: string; lone: boolean };
    const flow = (answers: Record<string, unknown[]>, seen: string[]): FlowStep<Draft, 'a' | 'b' | 'c'>[] =>
      (['a', 'b', 'c'] as const).map((name) => ({
        name,
        applies: name === 'b' ? (draft: Draft) => !draft.lone : undefined,
        run: async (draft: Draft, at) => {
          seen.push(`${name} ${at.step}/${at.totalSteps} ${at.title} [${draft[name]}]`);
          const answer = answers[name]?.shift();
          if (answer === BACK || answer === undefined) return answer as typeof BACK | undefined;
          draft[name] = String(answer);
          return 'next';
        },
      }));

    it('numbers only the steps that apply, and Back keeps what was answered', async () => {
      const seen: string[] = [];
      const draft = { a: '', b: '', c: '', lone: false };
      const done = await runSteps('Flow', flow({ a: ['1'], b: ['2', '2b'], c: [BACK, '3'] }, seen), draft);
      assert.equal(done, true);
      assert.deepEqual(seen, ['a 1/3 Flow []', 'b 2/3 Flow []', 'c 3/3 Flow []', 'b 2/3 Flow [2]', 'c 3/3 Flow []']);
      assert.deepEqual(draft, { a: '1', b: '2b', c: '3', lone: false });
    });

    it('a step that does not apply is neither shown nor counted, on the way back either', async () => {
      const seen: string[] = [];
      const done = await runSteps('Flow', flow({ a: ['1', '1b'], c: [BACK, '3'] }, seen), { a: '', b: '', c: '', lone: true });
      assert.equal(done, true);
      assert.deepEqual(seen, ['a 1/2 Flow []', 'c 2/2 Flow []', 'a 1/2 Flow [1]', 'c 2/2 Flow []']);
    });

    it('starts part-way with the draft kept (Edit after a refusal), and Back still reaches earlier steps', async () => {
      const seen: string[] = [];
      const draft = { a: 'x', b: 'y', c: 'z', lone: false };
      await runSteps('Flow', flow({ c: [BACK, 'z2'], b: ['y2'] }, seen), draft, 'c');
      assert.deepEqual(seen, ['c 3/3 Flow [z]', 'b 2/3 Flow [y]', 'c 3/3 Flow [z]']);
      assert.deepEqual(draft, { a: 'x', b: 'y2', c: 'z2', lone: false });
    });

    it('a cancelled step ends the flow', async () => {
      assert.equal(await runSteps('Flow', flow({ a: [undefined] }, []), { a: '', b: '', c: '', lone: false }), false);
    });
  });

  describe('presentValidation', () => {
    it('an info message joins the guidance instead of hiding it', () => {
      const shown = presentValidation('The name cannot be changed later.', { severity: 'info', message: 'id: acme-main' });
      assert.deepEqual(shown, { prompt: 'The name cannot be changed later. · id: acme-main', validationMessage: undefined });
    });

    it('an error is a validation message; no validation leaves the guidance alone', () => {
      assert.equal(presentValidation('Guide', { severity: 'error', message: 'Taken' }).validationMessage?.message, 'Taken');
      assert.deepEqual(presentValidation('Guide', undefined), { prompt: 'Guide', validationMessage: undefined });
    });
  });

  describe('the QuickInput prompter', () => {
    it('stays open when focus moves (Tab), has Back from step 2, and does not mark an empty field before anything is typed', async () => {
      const checked: string[] = [];
      const validate = (value: string): Validation | undefined => {
        checked.push(value);
        return value === '' ? { severity: 'error', message: 'Enter a name.' } : { severity: 'info', message: `id: ${value}` };
      };
      const answer = quickInputPrompter.input({ title: 'Create stack', step: 2, totalSteps: 4, prompt: 'The name cannot be changed later.', validate });
      const box = recorded.inputBoxes[0];
      assert.ok(box);
      await tick();
      assert.equal(box.ignoreFocusOut, true);
      assert.equal(box.buttons.length, 1);
      assert.deepEqual(checked, [], 'nothing typed, nothing checked');
      assert.equal(box.validationMessage, undefined);
      box.change('net');
      await tick();
      assert.equal(box.prompt, 'The name cannot be changed later. · id: net');
      assert.equal(box.validationMessage, undefined);
      box.accept();
      assert.equal(await answer, 'net');
    });

    it('says while a step is open that Tab is to stay in it (the stackhook.inInput key its keybinding reads)', async () => {
      const inInput = () => recorded.executed.filter((e) => e.command === 'setContext' && e.args[0] === 'stackhook.inInput').map((e) => e.args[1]);
      const answer = quickInputPrompter.input({ title: 'Create integration', step: 3, totalSteps: 6 });
      assert.deepEqual(inInput(), [true]);
      recorded.inputBoxes[0]?.change('ana@example.com');
      recorded.inputBoxes[0]?.accept();
      await tick();
      assert.equal(await answer, 'ana@example.com');
      assert.deepEqual(inInput(), [true, false], 'and no longer once it is gone');
    });

    it('a kept value is checked at once, and Enter on a refused value keeps the box open', async () => {
      const answer = quickInputPrompter.input({ title: 'T', step: 1, totalSteps: 1, value: 'taken', validate: (value) => (value === 'taken' ? { severity: 'error', message: 'Taken.' } : undefined) });
      const box = recorded.inputBoxes[0];
      assert.ok(box);
      await tick();
      assert.deepEqual(box.validationMessage, { message: 'Taken.', severity: 3 });
      box.accept();
      await tick();
      box.change('free');
      await tick();
      box.accept();
      assert.equal(await answer, 'free');
    });
  });
});
