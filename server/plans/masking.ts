// A plan's values with every sensitive part replaced by "(sensitive)". `before_sensitive` and
// `after_sensitive` mirror their value's shape: `true` marks a value (a whole attribute, one element
// of a list, one key of a map, at any depth), a map or list of marks says which of its parts are.
// Where the marks and the value do not line up, anything marked makes the whole value sensitive:
// when in doubt, nothing is shown.
import { SENSITIVE, type PlanValue } from '../protocol/plan';
import type { Json } from './tokenWalk';

const isRecord = (value: unknown): value is Record<string, Json> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Sets a key on a plain object, "__proto__" included (assignment would replace the prototype instead). */
function setKey(target: Record<string, PlanValue>, key: string, value: PlanValue): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** True when the marks say anything is sensitive; a mark that is not a boolean, list or map counts as one. */
export function anyMarked(marks: Json | undefined): boolean {
  if (marks === undefined || marks === null || marks === false) return false;
  if (marks === true) return true;
  if (Array.isArray(marks)) return marks.some(anyMarked);
  if (isRecord(marks)) return Object.values(marks).some(anyMarked);
  return true;
}

/** The value with every part its marks call sensitive replaced by "(sensitive)". */
export function maskSensitive(value: Json, marks: Json | undefined): PlanValue {
  if (!anyMarked(marks)) return value;
  if (marks === true) return SENSITIVE;
  if (Array.isArray(marks) && Array.isArray(value)) return value.map((item, i) => maskSensitive(item, marks[i]));
  if (isRecord(marks) && isRecord(value)) {
    const masked: Record<string, PlanValue> = {};
    for (const [key, item] of Object.entries(value)) setKey(masked, key, maskSensitive(item, Object.hasOwn(marks, key) ? marks[key] : undefined));
    return masked;
  }
  return SENSITIVE;
}

/** `after_unknown` as marks only: a leaf that is not true or false (which the tools never write) becomes true. */
export function unknownMarks(value: Json | undefined): PlanValue {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(unknownMarks);
  if (isRecord(value)) {
    const marks: Record<string, PlanValue> = {};
    for (const [key, item] of Object.entries(value)) setKey(marks, key, unknownMarks(item));
    return marks;
  }
  return true;
}
