// Repository endpoints that describe changes and the rules around them: diffstats (computed from
// the fake's git), branch restrictions (repository admins only, as in Bitbucket) and the default
// reviewers a pull request gets.
import { diffOf, parseSpec, type DiffstatEntry } from './diffstat';
import { renderUser } from './render';
import { REPO, adminRepository, failure, isReply, json, paginate, route, withRepository, type Route, type RouteContext } from './routeKit';
import type { FakeBranchRestriction } from './model';

const link = (href: string) => ({ href });

function commitFile(fullName: string, commit: string, path: string, origin: string) {
  return {
    type: 'commit_file',
    path,
    escaped_path: path,
    links: { self: link(`${origin}/2.0/repositories/${fullName}/src/${commit}/${path.split('/').map(encodeURIComponent).join('/')}`) },
  };
}

function renderDiffstat(entry: DiffstatEntry, fullName: string, from: string, to: string, origin: string) {
  return {
    type: 'diffstat',
    status: entry.status,
    lines_added: entry.linesAdded,
    lines_removed: entry.linesRemoved,
    old: entry.oldPath !== null ? commitFile(fullName, from, entry.oldPath, origin) : null,
    new: entry.newPath !== null ? commitFile(fullName, to, entry.newPath, origin) : null,
  };
}

/** A boolean query parameter: absent → the default; anything but `false` → true. */
const flag = (context: RouteContext, name: string, fallback: boolean) => {
  const value = context.query.get(name);
  return value === null ? fallback : value.toLowerCase() !== 'false';
};

function renderRestriction(restriction: FakeBranchRestriction, fullName: string, origin: string) {
  return {
    type: 'branchrestriction',
    id: restriction.id,
    kind: restriction.kind,
    branch_match_kind: restriction.branchMatchKind,
    pattern: restriction.pattern,
    ...(restriction.branchType !== null ? { branch_type: restriction.branchType } : {}),
    ...(restriction.value !== null ? { value: restriction.value } : {}),
    users: restriction.users.map((user) => renderUser(user, origin)),
    groups: restriction.groups.map((group) => ({ type: 'group', slug: group.slug, name: group.name })),
    links: { self: link(`${origin}/2.0/repositories/${fullName}/branch-restrictions/${restriction.id}`) },
  };
}

export function repositoryRoutes(): Route[] {
  return [
    route('GET', `${REPO}/diffstat/{spec}`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const spec = parseSpec(context.params.spec ?? '');
        if (spec === null) return failure(400, 'Bad request', `"${context.params.spec}" is neither a commit nor a range of two commits (a..b).`);
        if (context.query.has('merge') && context.query.has('topic')) return failure(400, 'Bad request', "The 'merge' and 'topic' parameters cannot be both used at the same time.");
        const topic = context.query.has('topic') ? flag(context, 'topic', true) : flag(context, 'merge', true);
        const diff = diffOf(repository, spec, {
          topic,
          renames: flag(context, 'renames', true),
          ignoreWhitespace: flag(context, 'ignore_whitespace', false),
          paths: context.query.getAll('path'),
        });
        if ('unknown' in diff) return failure(404, 'Commit not found', `There is no commit ${diff.unknown} in ${fullName}.`);
        const settings = repository.diffstat;
        if (settings.timeoutAboveFiles !== null && diff.entries.length > settings.timeoutAboveFiles) {
          return failure(555, 'Service timeout', 'Generating the diffstat took too long. Try a smaller range, or fewer paths.');
        }
        const entries = settings.maxFiles !== null ? diff.entries.slice(0, settings.maxFiles) : diff.entries;
        return paginate(
          entries.map((entry) => renderDiffstat(entry, fullName, diff.from, diff.to, context.origin)),
          context,
          { defaultPagelen: settings.defaultPagelen, maxPagelen: settings.maxPagelen },
        );
      }),
    ),
    route('GET', `${REPO}/branch-restrictions`, 'admin:repository:bitbucket', (context) => {
      const repository = adminRepository(context, 'read its branch restrictions');
      if (isReply(repository)) return repository;
      const kind = context.query.get('kind');
      const pattern = context.query.get('pattern');
      const fullName = `${repository.workspace}/${repository.slug}`;
      const values = repository.branchRestrictions
        .filter((restriction) => (kind === null || restriction.kind === kind) && (pattern === null || restriction.pattern === pattern))
        .map((restriction) => renderRestriction(restriction, fullName, context.origin));
      return paginate(values, context);
    }),
    route('GET', `${REPO}/branch-restrictions/{id}`, 'admin:repository:bitbucket', (context) => {
      const repository = adminRepository(context, 'read its branch restrictions');
      if (isReply(repository)) return repository;
      const restriction = repository.branchRestrictions.find((candidate) => String(candidate.id) === context.params.id);
      return restriction ? json(200, renderRestriction(restriction, `${repository.workspace}/${repository.slug}`, context.origin)) : failure(404, 'Branch restriction not found');
    }),
    route('GET', `${REPO}/default-reviewers`, 'read:pullrequest:bitbucket', (context) =>
      withRepository(context, (repository) =>
        paginate(
          repository.defaultReviewers.filter((reviewer) => reviewer.reviewerType === 'repository').map((reviewer) => renderUser(reviewer.user, context.origin)),
          context,
        ),
      ),
    ),
    route('GET', `${REPO}/effective-default-reviewers`, 'read:pullrequest:bitbucket', (context) =>
      withRepository(context, (repository) =>
        paginate(
          repository.defaultReviewers.map((reviewer) => ({ type: 'default_reviewer_and_type', reviewer_type: reviewer.reviewerType, user: renderUser(reviewer.user, context.origin) })),
          context,
        ),
      ),
    ),
  ];
}
