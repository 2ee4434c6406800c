// Every request's params refuse a field they do not know, at every depth: a misspelt field inside a
// nested object (a stack's runner) is `Invalid` and named, at the server's door, for every method the
// protocol defines; no request is answered as if a field it dropped had been understood. Results
// stay open to fields a newer server adds.
import { strict as assert } from 'node:assert';
import * as z from 'zod';
import * as Protocol from '../../../server/protocol';
import { handlers } from '../../../server/rpc/handlers';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

type Definition = { method: string; params: z.ZodType; result: z.ZodType };

const requests = Object.values(Protocol as Record<string, unknown>).filter(
  (value): value is Definition => typeof value === 'object' && value !== null && 'method' in value && 'params' in value && 'result' in value,
);

/** Every object schema in `schema`, with where it sits; `depth` counts the objects around it. */
function objectsIn(schema: z.ZodType, path = '(params)', depth = 0): { path: string; depth: number; object: z.ZodObject }[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  if (schema instanceof z.ZodObject) {
    return [
      { path, depth, object: schema },
      ...Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, value]) => objectsIn(value, `${path}.${key}`, depth + 1)),
    ];
  }
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap((option) => objectsIn(option, path, depth));
  if (schema instanceof z.ZodArray) return objectsIn(schema.element as z.ZodType, `${path}[]`, depth);
  if (schema instanceof z.ZodPipe) return [...objectsIn(schema.in as z.ZodType, path, depth), ...objectsIn(schema.out as z.ZodType, path, depth)];
  if (typeof def.innerType === 'object' && def.innerType !== null) return objectsIn(def.innerType as z.ZodType, path, depth);
  return [];
}

/**
 * Valid params of every method whose params hold a nested object, one per shape it may take; the
 * test below inserts a misspelt field into each nested object of each. A method that gains a nested
 * object needs its entry here, or the test fails naming it.
 */
const SAMPLES: Record<string, Record<string, unknown>[]> = {
  [Protocol.StacksCreate.method]: [
    { name: 'Prod Network', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', runner: { type: 'pipelines', pipeline: 'stackhook' } },
    { name: 'Prod Network', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', runner: { type: 'local', plan: ['tofu', 'plan'], apply: null } },
  ],
  [Protocol.StacksUpdate.method]: [
    { stackId: 'prod-network', runner: { type: 'pipelines', pipeline: 'stackhook' } },
    { stackId: 'prod-network', runner: { type: 'local', plan: ['tofu', 'plan'], apply: ['tofu', 'apply', '-auto-approve'] } },
  ],
  [Protocol.PoliciesSet.method]: [
    { stackId: 'prod-network', rules: [{ kind: 'protectedTypes', types: ['aws_db_instance'], actions: ['delete'], modules: ['module.db'], effect: 'deny' }] },
    { spaceId: 'root', rules: [{ kind: 'maxDestroys', limit: 2, effect: 'warn' }, { kind: 'noDrift', effect: 'warn' }] },
  ],
};

/** Each nested object of a params value, by the keys that reach it. */
function nestedObjectsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => nestedObjectsOf(item, [...path, index]));
  if (typeof value !== 'object' || value === null) return [];
  return [...(path.length > 0 ? [path] : []), ...Object.entries(value).flatMap(([key, inner]) => nestedObjectsOf(inner, [...path, key]))];
}

function withField(value: Record<string, unknown>, at: (string | number)[], field: string): Record<string, unknown> {
  const copy = structuredClone(value);
  let target: Record<string | number, unknown> = copy;
  for (const key of at) target = target[key] as Record<string | number, unknown>;
  target[field] = 'misspelt';
  return copy;
}

describe('protocol: params refuse unknown fields at every depth', () => {
  it('every object in every request\'s params is strict; a result may hold fields it does not name', () => {
    assert.ok(requests.length > 40, `${requests.length} requests`);
    const objects = requests.flatMap((definition) => objectsIn(definition.params).map((found) => ({ method: definition.method, ...found })));
    assert.ok(objects.some((found) => found.depth > 0), 'the protocol has nested objects in params, so this checks something');
    const open = objects.filter((found) => found.object._zod.def.catchall?._zod.def.type !== 'never').map((found) => `${found.method} ${found.path}`);
    assert.deepEqual(open, []);
    const runner = { type: 'pipelines', pipeline: 'stackhook', addedByANewerServer: true };
    assert.ok(Protocol.Stack.shape.runner.safeParse(runner).success, 'a stack\'s runner in a result may carry a field this editor does not know');
  });

  describe('a misspelt field inside a nested object is Invalid and named, at the server\'s door, for every method', () => {
    let world: TestWorld;
    beforeEach(async () => (world = await testWorld('ana')));
    afterEach(() => world.close());

    for (const definition of requests) {
      const nested = objectsIn(definition.params).filter((found) => found.depth > 0);
      it(`${definition.method}${nested.length === 0 ? ' (no nested object)' : ''}`, async () => {
        const samples = SAMPLES[definition.method] ?? [];
        if (nested.length === 0) {
          assert.deepEqual(samples, [], 'a sample for a method without nested objects tests nothing: remove it');
          return;
        }
        assert.ok(samples.length > 0, `${definition.method} has nested objects (${nested.map((found) => found.path).join(', ')}): add valid params for it to SAMPLES`);
        const door = handlers.find((candidate) => candidate.method === definition.method);
        for (const sample of samples) {
          assert.ok(definition.params.safeParse(sample).success, `the sample is valid: ${JSON.stringify(sample)}`);
          const places = nestedObjectsOf(sample);
          assert.ok(places.length > 0, 'the sample reaches a nested object');
          for (const at of places) {
            const misspelt = `${String(at.at(-1))}Nmae`;
            const params = withField(sample, at, misspelt);
            if (door) {
              await assert.rejects(door.invoke(world.as('ana'), params, scope), (error: { kind?: string; message: string; data?: Protocol.ErrorData }) => {
                assert.equal(error.kind, 'Invalid');
                assert.match(error.message, new RegExp(`${at.join('\\.')}: Unrecognized key: "${misspelt}"`));
                assert.equal(error.data?.field, at[0]);
                return true;
              });
            } else {
              // Asked of the editor, which parses what the server sends with the same schema.
              const parsed = definition.params.safeParse(params);
              assert.equal(parsed.success, false);
              assert.match(JSON.stringify(parsed.error?.issues), new RegExp(misspelt));
            }
          }
        }
        assert.deepEqual(world.changes, [], 'nothing changed');
      });
    }
  });
});
