// A request's params refuse fields they do not know at every depth, not only at the top: a stack's
// runner with a misspelt or not-yet-known field would otherwise be saved without it, and the request
// answered as if it had been understood. Applied once, by `request()` in methods.ts, to every
// request's params, so no request and no nested object can forget it; an object that says it takes
// any field (`.loose()`) keeps saying so. Results and notifications stay open to the fields a newer
// server adds.
import * as z from 'zod';

const { mergeDefs } = z.core.util;

export function strictParams<S extends z.ZodType>(schema: S): S {
  return strict(schema) as S;
}

/** The schema with every object in it strict; the same schema when nothing in it changes. */
function strict(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [key, value] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const inner = strict(value);
      if (inner !== value) shape[key] = inner;
    }
    const extended = Object.keys(shape).length > 0 ? schema.safeExtend(shape) : schema;
    return schema._zod.def.catchall === undefined ? extended.strict() : extended;
  }
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const replaced = (children: Record<string, z.ZodType | readonly z.ZodType[] | undefined>): z.ZodType => {
    const changed = Object.entries(children).filter(([key, child]) => child !== def[key]);
    return changed.length === 0 ? schema : schema.clone(mergeDefs(schema._zod.def, Object.fromEntries(changed)) as typeof schema._zod.def);
  };
  const each = (options: readonly z.ZodType[]) => {
    const inner = options.map(strict);
    return inner.every((option, index) => option === options[index]) ? options : inner;
  };
  if (schema instanceof z.ZodUnion) return replaced({ options: each(schema.options as readonly z.ZodType[]) });
  if (schema instanceof z.ZodArray) return replaced({ element: strict(schema.element as z.ZodType) });
  if (schema instanceof z.ZodPipe) return replaced({ in: strict(schema.in as z.ZodType), out: strict(schema.out as z.ZodType) });
  if (schema instanceof z.ZodIntersection) return replaced({ left: strict(def.left as z.ZodType), right: strict(def.right as z.ZodType) });
  if (schema instanceof z.ZodRecord) return replaced({ valueType: strict(schema.valueType as z.ZodType) });
  if (schema instanceof z.ZodTuple) return replaced({ items: each(def.items as readonly z.ZodType[]), rest: def.rest ? strict(def.rest as z.ZodType) : undefined });
  if (typeof def.innerType === 'object' && def.innerType !== null) {
    // optional, nullable, default, prefault, nonoptional, catch, readonly: one schema inside.
    return replaced({ innerType: strict(def.innerType as z.ZodType) });
  }
  return schema;
}
