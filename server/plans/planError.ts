// The error a plan reader throws: the plan could not be read, said for a person, with no value
// from the plan in it beyond a bounded address.
import { JsonReadError } from './tokenWalk';

export class PlanReadError extends Error {
  override name = 'PlanReadError';
}

/** Whatever reading failed with, as a PlanReadError that says what was being read. */
export function planReadError(what: string, error: unknown): PlanReadError {
  if (error instanceof PlanReadError) return error;
  if (error instanceof JsonReadError) return new PlanReadError(`${what} is not a plan's JSON document: ${error.message}.`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new PlanReadError(`${what} could not be read: there is no such file.`);
  if (code === 'EACCES' || code === 'EPERM') return new PlanReadError(`${what} could not be read: permission denied.`);
  if (code === 'EISDIR') return new PlanReadError(`${what} could not be read: it is a folder.`);
  return new PlanReadError(`${what} could not be read: ${error instanceof Error ? error.message : String(error)}.`);
}
