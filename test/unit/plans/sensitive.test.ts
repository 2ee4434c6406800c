// A value a plan marks sensitive never leaves the server: not in a structured plan, not in a
// resource's change. The sensitive values are first collected from the raw fixtures (and the list is
// proved non-empty), then looked for in everything the readers return.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readResourceChange } from '../../../server/plans/resourceChange';
import { readStructuredPlan } from '../../../server/plans/structuredPlan';
import { SENSITIVE, type PlanValue } from '../../../server/protocol/plan';
import { planFixtures, type PlanFixture } from '../../support/terraformFixtures';

type Json = PlanValue;
type Path = (string | number)[];
interface Leaf {
  path: Path;
  value: string | number | boolean;
}

const isRecord = (value: unknown): value is Record<string, Json> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The non-null leaves of `value` (with their paths) that `marks` calls sensitive. */
function markedLeaves(value: Json | undefined, marks: Json | undefined, path: Path = []): Leaf[] {
  if (value === undefined || value === null) return [];
  if (marks === true) return allLeaves(value, path);
  if (Array.isArray(value) && Array.isArray(marks)) return value.flatMap((item, i) => markedLeaves(item, marks[i], [...path, i]));
  if (isRecord(value) && isRecord(marks)) return Object.entries(value).flatMap(([key, item]) => markedLeaves(item, marks[key], [...path, key]));
  return [];
}

function allLeaves(value: Json, path: Path = []): Leaf[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => allLeaves(item, [...path, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([key, item]) => allLeaves(item, [...path, key]));
  return [{ path, value }];
}

/** The leaves of `value` that `marks` does not call sensitive. */
function unmarkedLeaves(value: Json | undefined, marks: Json | undefined, path: Path = []): Leaf[] {
  if (value === undefined || value === null || marks === true) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => unmarkedLeaves(item, Array.isArray(marks) ? marks[i] : undefined, [...path, i]));
  if (isRecord(value)) return Object.entries(value).flatMap(([key, item]) => unmarkedLeaves(item, isRecord(marks) ? marks[key] : undefined, [...path, key]));
  return [{ path, value }];
}

/** What is shown at `path`: "(sensitive)" as soon as a part on the way is. */
function shownAt(shown: Json | undefined, path: Path): Json | undefined {
  let node = shown;
  for (const step of path) {
    if (node === SENSITIVE) return node;
    node = node !== null && typeof node === 'object' ? (node as Record<string, Json>)[step as string] : undefined;
  }
  return node;
}

interface RawChange {
  address: string;
  name?: string;
  type?: string;
  module_address?: string;
  change: { before?: Json; after?: Json; before_sensitive?: Json; after_sensitive?: Json };
}
interface RawPlan {
  resource_changes?: RawChange[];
  resource_drift?: RawChange[];
  output_changes?: Record<string, { before?: Json; after?: Json; before_sensitive?: Json; after_sensitive?: Json }>;
  planned_values?: { outputs?: Record<string, { sensitive?: boolean; value?: Json }> };
}

const rawOf = (fixture: PlanFixture) => JSON.parse(readFileSync(fixture.file, 'utf8')) as RawPlan;

/** Every sensitive value in a plan document: resources' marked values, sensitive outputs' values. */
function sensitiveValues(raw: RawPlan): Leaf[] {
  const resources = [...(raw.resource_changes ?? []), ...(raw.resource_drift ?? [])].flatMap((rc) => [
    ...markedLeaves(rc.change.before, rc.change.before_sensitive),
    ...markedLeaves(rc.change.after, rc.change.after_sensitive),
  ]);
  const outputs = Object.entries(raw.output_changes ?? {}).flatMap(([name, change]) => {
    const planned = raw.planned_values?.outputs?.[name]?.sensitive === true;
    return [...markedLeaves(change.before, planned || change.before_sensitive), ...markedLeaves(change.after, planned || change.after_sensitive)];
  });
  return [...resources, ...outputs];
}

/** What a plan legitimately names (addresses, names, types, modules, outputs): a value equal to one is not evidence of a leak. */
function identifiers(raw: RawPlan): string[] {
  const resources = [...(raw.resource_changes ?? []), ...(raw.resource_drift ?? [])];
  return [...resources.flatMap((rc) => [rc.address, rc.name ?? '', rc.type ?? '', rc.module_address ?? '']), ...Object.keys(raw.output_changes ?? {})];
}

const stringsIn = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(stringsIn) : isRecord(value) ? [...Object.keys(value), ...Object.values(value).flatMap(stringsIn)] : [];

describe('plans: sensitive values never leave the server', () => {
  const withSecrets = planFixtures()
    .map((fixture) => ({ fixture, raw: rawOf(fixture) }))
    .map(({ fixture, raw }) => ({ fixture, raw, secrets: sensitiveValues(raw) }))
    .filter(({ secrets }) => secrets.length > 0);

  it('the fixtures hold sensitive values to look for', () => {
    const ids = withSecrets.map(({ fixture }) => fixture.id);
    for (const id of ['opentofu-show-json/sensitive-values', 'terraform-json/110_sensitive_values', 'terraform-json/120_basic', 'terraform-json/basic@plan-0.15']) assert.ok(ids.includes(id), `${id} has sensitive values`);
    assert.ok(withSecrets.some(({ secrets }) => secrets.some((leaf) => leaf.value === 'boop')), 'the sensitive variable "boop" is among them');
  });

  for (const { fixture, raw, secrets } of withSecrets) {
    const names = identifiers(raw);
    // A secret that is also a name ("bar" is a resource's name too) can only be checked by where it is, below.
    const distinctive = [...new Set(secrets.map((leaf) => String(leaf.value)))].filter((secret) => !names.some((name) => name.includes(secret)));

    it(`${fixture.id}: the structured plan holds no sensitive value`, async () => {
      const plan = await readStructuredPlan(fixture.file);
      const text = JSON.stringify(plan);
      for (const secret of distinctive) assert.ok(!text.includes(secret), `${secret} is in the structured plan`);
      const strings = stringsIn(plan);
      for (const secret of secrets.map((leaf) => String(leaf.value))) {
        assert.ok(!strings.includes(secret) || names.includes(secret), `the value ${secret} is in the structured plan`);
      }
    });

    it(`${fixture.id}: every resource change shows "(sensitive)" where its values are marked, and never the value`, async () => {
      let marked = 0;
      for (const [section, list] of [['changes', raw.resource_changes ?? []], ['drift', raw.resource_drift ?? []]] as const) {
        for (const rc of list) {
          const change = await readResourceChange(fixture.file, rc.address, { drift: section === 'drift' });
          assert.ok(change !== null, `${rc.address} is found`);
          const text = JSON.stringify(change);
          for (const side of ['before', 'after'] as const) {
            const value = rc.change[side] ?? null;
            const marks = rc.change[`${side}_sensitive`];
            // Plans before format 1.0 mark nothing: every value they hold is shown as sensitive.
            if (marks === undefined) {
              assert.equal(change[side], value === null ? null : SENSITIVE, `${rc.address} ${side} has no marks`);
              continue;
            }
            const plain = unmarkedLeaves(value, marks).map((leaf) => String(leaf.value));
            for (const leaf of markedLeaves(value, marks)) {
              assert.equal(shownAt(change[side], leaf.path), SENSITIVE, `${rc.address} ${side}.${leaf.path.join('.')}`);
              // The same text may also be a value nobody marked (or a name): that occurrence is fine.
              if (!plain.includes(String(leaf.value)) && !names.some((name) => name.includes(String(leaf.value)))) assert.ok(!text.includes(String(leaf.value)), `${leaf.value} is in ${rc.address}'s change`);
              marked++;
            }
          }
        }
      }
      const resourceSecrets = [...(raw.resource_changes ?? []), ...(raw.resource_drift ?? [])].flatMap((rc) => [
        ...markedLeaves(rc.change.before, rc.change.before_sensitive),
        ...markedLeaves(rc.change.after, rc.change.after_sensitive),
      ]);
      assert.equal(marked, resourceSecrets.length, 'every marked value was looked at');
    });
  }

  // Written as text: a "__proto__" key in an object literal would set the prototype, not a key.
  const SYNTHETIC = `{
    "format_version": "1.2",
    "planned_values": {"outputs": {"db_password": {"sensitive": true, "value": "secret-output-1"}}},
    "resource_changes": [
      {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main", "change": {
        "actions": ["update"],
        "before": {"password": "secret-before-1", "tags": {"Name": "db", "token": "secret-tag-1"}, "users": [{"name": "ana", "key": "secret-list-1"}, {"name": "bo", "key": "secret-list-2"}], "ports": [5432, 6543], "__proto__": {"polluted": "secret-proto-1"}},
        "after": {"password": "secret-after-1", "tags": {"Name": "db", "token": "secret-tag-2"}, "users": [{"name": "ana", "key": "secret-list-3"}], "ports": [5432, 6544], "__proto__": {"polluted": "secret-proto-2"}, "mismatch": "secret-mismatch-1"},
        "after_unknown": {"id": true, "odd": "secret-unknown-1"},
        "before_sensitive": {"password": true, "tags": {"token": true}, "users": [{"key": true}, {"key": true}], "ports": [false, true], "__proto__": true},
        "after_sensitive": {"password": true, "tags": {"token": true}, "users": [{"key": true}], "ports": [false, true], "__proto__": true, "mismatch": {"deep": true}}
      }},
      {"address": "aws_secret.whole", "change": {"actions": ["create"], "before": null, "after": {"value": "secret-whole-1"}, "before_sensitive": false, "after_sensitive": true}},
      {"address": "aws_secret.nomarks", "change": {"actions": ["create"], "before": null, "after": {"value": "secret-nomarks-1"}}},
      {"address": "aws_secret.cutmarks", "change": {"actions": ["create"], "before": null, "after": {"a": "secret-cut-1"}, "before_sensitive": false,
        "after_sensitive": {"pad": [${Array.from({ length: 450_000 }, () => 'false').join(',')}], "a": true}}}
    ],
    "output_changes": {"db_password": {"actions": ["create"], "before": null, "after": "secret-output-1", "before_sensitive": false, "after_sensitive": true}}
  }`;
  const input = () => Readable.from([SYNTHETIC]);

  it('a plan with sensitive values nested in maps and lists, whole values, odd keys and marks: none leaves', async () => {
    assert.ok((SYNTHETIC.match(/secret-/g) ?? []).length >= 12, 'the plan holds the secrets to look for');
    const shown = [JSON.stringify(await readStructuredPlan(input()))];
    for (const address of ['aws_db_instance.main', 'aws_secret.whole', 'aws_secret.nomarks', 'aws_secret.cutmarks']) shown.push(JSON.stringify(await readResourceChange(input(), address)));
    for (const text of shown) assert.ok(!text.includes('secret-'), text);
  });

  it('masks exactly the marked parts: a map key, list elements, a number, a whole value', async () => {
    const change = await readResourceChange(input(), 'aws_db_instance.main');
    assert.ok(change !== null);
    const after = change.after as Record<string, Json>;
    assert.equal(after.password, SENSITIVE);
    assert.deepEqual(after.tags, { Name: 'db', token: SENSITIVE });
    assert.deepEqual(after.users, [{ name: 'ana', key: SENSITIVE }]);
    assert.deepEqual(after.ports, [5432, SENSITIVE]);
    assert.equal(Object.getOwnPropertyDescriptor(after, '__proto__')?.value, SENSITIVE, 'a "__proto__" key is a key, masked like any other');
    assert.equal(after.mismatch, SENSITIVE, 'marks that do not fit the value mask all of it');
    assert.deepEqual(change.unknown, { id: true, odd: true });
    assert.equal((await readResourceChange(input(), 'aws_secret.whole'))?.after, SENSITIVE);
    assert.equal((await readResourceChange(input(), 'aws_secret.cutmarks'))?.after, SENSITIVE, 'marks cut by their budget mask the whole value');
    assert.equal(await readResourceChange(input(), 'aws_secret.absent'), null);
  });
});
