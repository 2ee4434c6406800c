// The editor stories' guards, read from their files: a story marks only its own steps passed (a
// story 8 that marked "7" would let a later story run on a story 7 that failed), no step is marked
// twice, and a story only builds on steps that a story before it marks.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const STORIES = path.resolve(__dirname, '../editor/stories');

interface StoryFile {
  file: string;
  /** The number in its describe title (`Story 8: …`); none for the smoke test. */
  story: string | null;
  /** In the order they appear: steps it marks passed, and steps it needs. */
  marks: { kind: 'passed' | 'needs'; label: string }[];
}

function read(file: string): StoryFile {
  const text = readFileSync(path.join(STORIES, file), 'utf8');
  const story = /describe\('Story (\d+):/.exec(text)?.[1] ?? null;
  const marks = [...text.matchAll(/storyPassed\('([^']+)'\)|needs\(this((?:, '[^']+')+)\)/g)].flatMap((match): StoryFile['marks'] =>
    match[1] !== undefined
      ? [{ kind: 'passed', label: match[1] }]
      : [...(match[2] ?? '').matchAll(/'([^']+)'/g)].map((label) => ({ kind: 'needs', label: label[1] ?? '' })),
  );
  return { file, story, marks };
}

describe('editor stories: what each story marks passed and builds on', () => {
  // Mocha runs the story files in name order, as the editor's .mocharc.cjs lists them.
  const stories = readdirSync(STORIES).filter((file) => file.endsWith('.test.ts')).sort().map(read);

  it('there are stories with guards to check', () => {
    assert.ok(stories.filter((story) => story.story !== null).length >= 8, stories.map((story) => story.file).join(', '));
    assert.ok(stories.flatMap((story) => story.marks).filter((mark) => mark.kind === 'passed').length >= 10);
  });

  it('a story marks only its own steps passed, each once', () => {
    const seen = new Map<string, string>();
    for (const { file, story, marks } of stories) {
      for (const { label } of marks.filter((mark) => mark.kind === 'passed')) {
        assert.equal(label.split(' ')[0], story, `${file} marks "${label}" passed, a step of another story than its own (${story})`);
        assert.ok(!seen.has(label), `"${label}" is marked passed by ${seen.get(label)} and by ${file}`);
        seen.set(label, file);
      }
    }
  });

  it('a story builds only on steps an earlier story (or an earlier test of its own) marks passed', () => {
    const passed = new Set<string>();
    for (const { file, marks } of stories) {
      for (const { kind, label } of marks) {
        if (kind === 'passed') passed.add(label);
        else assert.ok(passed.has(label), `${file} needs "${label}", which no story before it marks passed`);
      }
    }
  });
});
