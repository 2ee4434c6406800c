// Whether a pull request's code comes from the repository its webhook is for, or from a fork. A pull
// request is from a fork unless the delivery proves otherwise: its source and destination
// repositories are both named, are one repository, and are the repository the webhook is for. Every
// way a delivery can fall short of that (no source, `"repository": null` as for a deleted fork, a
// source that cannot be read, names that cannot be compared) counts as a fork, so it is refused
// unless the stack allows forks: a shape Bitbucket may send one day must not open a way in.
//
// One repository: the same UUID when both sides carry one (a repository keeps its UUID when it is
// renamed or moved to another workspace, and a fork never has its parent's); otherwise the same full
// name, whatever its case, as Bitbucket compares them.
import * as z from 'zod';
import { printable } from './printable';

/** A repository as a delivery names it; null fields were not given. */
export interface RepositoryRef {
  readonly fullName: string | null;
  /** Lower case, without braces: `{708C…}` and `708c…` are one UUID. */
  readonly uuid: string | null;
}

/** What a side of a pull request says of its repository: absent (missing or null), unreadable, or named. */
export type RepositorySide = { readonly state: 'absent' } | { readonly state: 'unreadable' } | { readonly state: 'named'; readonly repository: RepositoryRef };

export type PullRequestOrigin = { readonly fork: false } | { readonly fork: true; readonly reason: string };

const Uuid = z
  .string()
  .regex(/^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/)
  .transform((uuid) => uuid.replace(/[{}]/g, '').toLowerCase());
const NamedRepository = z.object({ full_name: z.string().min(1).max(300).optional(), uuid: Uuid.optional() });

/** Reads a side's `repository` field leniently: a wrong shape is "unreadable", never a parse failure. */
export function repositorySide(value: unknown): RepositorySide {
  if (value === undefined || value === null) return { state: 'absent' };
  const parsed = NamedRepository.safeParse(value);
  if (!parsed.success) return { state: 'unreadable' };
  const { full_name: fullName = null, uuid = null } = parsed.data;
  if (fullName === null && uuid === null) return { state: 'unreadable' };
  return { state: 'named', repository: { fullName, uuid } };
}

/** Whether two named repositories are one, and if not, why not (for a person). */
function sameRepository(a: RepositoryRef, b: RepositoryRef): { same: true } | { same: false; why: 'uuid' | 'name' | 'incomparable' } {
  if (a.uuid !== null && b.uuid !== null) return a.uuid === b.uuid ? { same: true } : { same: false, why: 'uuid' };
  if (a.fullName !== null && b.fullName !== null) return a.fullName.toLowerCase() === b.fullName.toLowerCase() ? { same: true } : { same: false, why: 'name' };
  return { same: false, why: 'incomparable' };
}

const nameOf = (repository: RepositoryRef) => printable(repository.fullName ?? `{${repository.uuid ?? '?'}}`, 120);

/**
 * `hook`: the repository the webhook is for (the body's `repository`), whose stacks the delivery
 * reaches; `source` and `destination`: the pull request's sides.
 */
export function pullRequestOrigin(hook: RepositoryRef, source: RepositorySide, destination: RepositorySide): PullRequestOrigin {
  const counts = (why: string): PullRequestOrigin => ({ fork: true, reason: `counts as coming from a fork (${why})` });
  if (source.state === 'absent') return counts('the delivery names no source repository');
  if (source.state === 'unreadable') return counts('its source repository cannot be read');
  if (destination.state === 'absent') return counts('the delivery names no destination repository');
  if (destination.state === 'unreadable') return counts('its destination repository cannot be read');
  const from = source.repository;
  const into = destination.repository;
  const target = sameRepository(into, hook);
  if (!target.same) return counts(`its destination ${nameOf(into)} is not the repository the webhook is for`);
  const origin = sameRepository(from, into);
  if (origin.same) return { fork: false };
  switch (origin.why) {
    case 'uuid':
      return {
        fork: true,
        reason:
          from.fullName !== null && into.fullName !== null && from.fullName.toLowerCase() === into.fullName.toLowerCase()
            ? `comes from a fork (${nameOf(from)}: another repository of that name, its UUID is not the destination's)`
            : `comes from a fork (${nameOf(from)})`,
      };
    case 'name':
      return { fork: true, reason: `comes from a fork (${nameOf(from)})` };
    case 'incomparable':
      return counts(`its source ${nameOf(from)} cannot be compared with the destination ${nameOf(into)}: no UUID on both, no name on both`);
  }
}
