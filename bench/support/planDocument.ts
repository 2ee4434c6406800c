// A large plan for the structured-plan benchmark, written to a file as it is made (never held
// whole): a real fixture's resource change (terraform-json/has_checks, a local_file in a module)
// repeated N times under new addresses, with a file's worth of content (2 KiB) in its values, and
// the same values again in planned_values and prior_state, as a real plan repeats them. One in ten
// is destroyed, one in ten replaced, the rest updated; the result is ~8.5 KB of JSON per resource.
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { planFixture } from '../../test/support/terraformFixtures';

interface Change {
  address: string;
  module_address: string;
  index: string;
  change: { actions: string[]; before: unknown; after: Record<string, unknown>; after_unknown: unknown; before_sensitive: unknown; after_sensitive: unknown };
  [field: string]: unknown;
}

/** Writes a plan of `resources` resources to `file`; answers its size in bytes. */
export async function writeLargePlan(file: string, resources: number): Promise<number> {
  const fixture = JSON.parse(readFileSync(planFixture('terraform-json/has_checks').file, 'utf8')) as { resource_changes: Change[]; planned_values: { root_module: { child_modules: { resources: Record<string, unknown>[] }[] } } };
  const template = fixture.resource_changes[0] as Change;
  const plannedTemplate = fixture.planned_values.root_module.child_modules[0]?.resources[0] as Record<string, unknown>;
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const content = (i: number) => `# file ${i}\n${'The quick brown fox jumps over the lazy dog. '.repeat(45)}\n`;
  const valuesOf = (i: number, version: string) => ({ ...template.change.after, content: `${content(i)}${version}`, filename: `f${i}.txt` });
  const addressOf = (i: number) => `module.files.local_file.foo["f${i}.txt"]`;

  await write('{"format_version":"1.2","terraform_version":"1.5.4","planned_values":{"root_module":{"child_modules":[{"address":"module.files","resources":[');
  for (let i = 0; i < resources; i++) {
    if (i % 10 === 0) continue; // destroyed: not in the planned values
    await write(`${i > 1 ? ',' : ''}${JSON.stringify({ ...plannedTemplate, address: addressOf(i), index: `f${i}.txt`, values: valuesOf(i, 'v2') })}`);
  }
  await write(']}]}},"resource_changes":[');
  for (let i = 0; i < resources; i++) {
    const actions = i % 10 === 0 ? ['delete'] : i % 10 === 1 ? ['delete', 'create'] : ['update'];
    const change: Change = {
      ...template,
      address: addressOf(i),
      index: `f${i}.txt`,
      change: {
        ...template.change,
        actions,
        before: valuesOf(i, 'v1'),
        after: actions[0] === 'delete' && actions.length === 1 ? (null as unknown as Record<string, unknown>) : valuesOf(i, 'v2'),
        before_sensitive: { sensitive_content: true },
        after_sensitive: actions.length === 1 && actions[0] === 'delete' ? false : { sensitive_content: true },
      },
      ...(actions.length === 2 ? { action_reason: 'replace_because_cannot_update' } : {}),
    };
    if (actions.length === 2) (change.change as Record<string, unknown>).replace_paths = [['filename']];
    await write(`${i > 0 ? ',' : ''}${JSON.stringify(change)}`);
  }
  await write('],"prior_state":{"format_version":"1.0","values":{"root_module":{"child_modules":[{"address":"module.files","resources":[');
  for (let i = 0; i < resources; i++) await write(`${i > 0 ? ',' : ''}${JSON.stringify({ ...plannedTemplate, address: addressOf(i), index: `f${i}.txt`, values: valuesOf(i, 'v1') })}`);
  await write(']}]}}},"configuration":{"root_module":{}}}\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
