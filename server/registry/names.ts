// R5: an id is derived from a name alone, so the same name always yields the same id (and the same
// webhook URL), and names that differ only in case or punctuation collide (R2).
import { invalid } from '../errors';

export function idFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function requireIdFromName(name: string, what: string): string {
  const id = idFromName(name);
  if (id === '') {
    throw invalid(`The ${what} name "${name}" has no letters or digits, so no id can be derived from it. Use a name with at least one letter or digit.`).about('name');
  }
  return id;
}
