// A request's params refuse fields they do not know at every depth, not only at the top: a stack's
// runner with a misspelt or not-yet-known field would otherwise be saved without it, and the request
// answered as if it had been understood. Applied once, by `request()` in methods.ts, to every
// request's params, so no request and no nested object can forget it; an object that says it takes
// any field (`.loose()`) keeps saying so. Results and notifications stay open to the fields a newer
// server adds.
import * as z from 'zod';

/** A schema's definition with some parts replaced, its other properties (getters too) kept as they are. */
function mergeDefs<D extends object>(def: D, parts: Record<string, unknown>): D {
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(def), ...Object.getOwnPropertyDescriptors(parts) }) as D;
}

export function strictParams<S extends z.ZodType>(schema: S): S {
  return strict(schema) as S;
}

/** The schema with every object in it strict; the same schema when nothing in it changes. */
function strict(schema: z.ZodType): z.ZodType {
  // By the definition's type, not instanceof: naming zod's classes here would put every one of them
  // into the editor's protocol bundle.
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === 'object') {
    const object = schema as z.ZodObject;
    const shape: Record<string, z.ZodType> = {};
    for (const [key, value] of Object.entries(object.shape as Record<string, z.ZodType>)) {
      const inner = strict(value);
      if (inner !== value) shape[key] = inner;
    }
    const extended = Object.keys(shape).length > 0 ? object.safeExtend(shape) : object;
    return def.catchall === undefined ? extended.strict() : extended;
  }
  const replaced = (children: Record<string, z.ZodType | readonly z.ZodType[] | undefined>): z.ZodType => {
    const changed = Object.entries(children).filter(([key, child]) => child !== def[key]);
    return changed.length === 0 ? schema : schema.clone(mergeDefs(schema._zod.def, Object.fromEntries(changed)));
  };
  const one = (key: string) => (def[key] === undefined ? undefined : strict(def[key] as z.ZodType));
  const each = (key: string) => {
    const options = def[key] as readonly z.ZodType[];
    const inner = options.map(strict);
    return inner.every((option, index) => option === options[index]) ? options : inner;
  };
  switch (def.type) {
    case 'union':
      return replaced({ options: each('options') });
    case 'array':
      return replaced({ element: one('element') });
    case 'pipe':
      return replaced({ in: one('in'), out: one('out') });
    case 'intersection':
      return replaced({ left: one('left'), right: one('right') });
    case 'record':
      return replaced({ valueType: one('valueType') });
    case 'tuple':
      return replaced({ items: each('items'), rest: one('rest') });
    default:
      // optional, nullable, default, prefault, nonoptional, catch, readonly: one schema inside.
      return def.innerType === undefined ? schema : replaced({ innerType: one('innerType') });
  }
}
