// Read-only web pages at the fake's web origin, where Bitbucket's "html" links and Stackhook's
// "Open in Bitbucket" land: a repository (and its webhook settings), a branch, a commit (its build
// statuses, Code Insights reports with their annotations, pull requests), a pipeline (its steps and
// their logs) and a pull request (its state, participants, comments and tasks). Everything shown is
// escaped, and only http(s) and vscode links are ever made clickable: the text comes from tests that
// may be hostile. No sign-in: this is a local stand-in, not a place to keep secrets.
import { commitOf } from './diffstat';
import { renderPipeline } from './renderRuns';
import type { FakePipeline, FakePullRequest, FakeRepository } from './model';
import type { World } from './world';

export interface Page {
  status: number;
  html: string;
}

const escape = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const SAFE_LINK = /^(https?|vscode):/i;
/** A link when the target is one a person may follow, plain text otherwise. */
const anchor = (href: string, text: string) => (SAFE_LINK.test(href) ? `<a href="${escape(href)}">${escape(text)}</a>` : escape(text));

function page(title: string, body: string, status = 200): Page {
  return {
    status,
    html: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escape(title)} — Bitbucket</title></head><body><main>${body}</main></body></html>`,
  };
}

const notFound = () => page('Page not found', '<h1>Page not found</h1>', 404);
const table = (head: string[], rows: string[][]) =>
  `<table><thead><tr>${head.map((cell) => `<th>${escape(cell)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

function repositoryPage(repository: FakeRepository, base: string): Page {
  const open = [...repository.pulls.values()].filter((pull) => pull.state === 'OPEN');
  return page(
    `${repository.workspace}/${repository.slug}`,
    `<h1>${escape(`${repository.workspace}/${repository.slug}`)}</h1>` +
      `<h2>Branches</h2>${table(['branch', 'head'], [...repository.branches].map(([name, head]) => [anchor(`${base}/branch/${encodeURIComponent(name)}`, name), anchor(`${base}/commits/${head}`, head.slice(0, 12))]))}` +
      `<h2>Open pull requests</h2>${table(['#', 'title'], open.map((pull) => [anchor(`${base}/pull-requests/${pull.id}`, `#${pull.id}`), escape(pull.title)]))}` +
      `<h2>Pipelines</h2>${table(['#', 'branch', 'commit'], repository.pipelines.map((pipeline) => [anchor(`${base}/pipelines/results/${pipeline.buildNumber}`, `#${pipeline.buildNumber}`), escape(pipeline.refName), escape(pipeline.commit.slice(0, 12))]))}`,
  );
}

function webhooksPage(repository: FakeRepository): Page {
  return page(
    'Webhooks',
    `<h1>Webhooks of ${escape(`${repository.workspace}/${repository.slug}`)}</h1>` +
      table(['title', 'URL', 'active', 'events'], repository.hooks.map((hook) => [escape(hook.description), escape(hook.url), escape(hook.active ? 'yes' : 'no'), escape(hook.events.join(', '))])),
  );
}

function commitPage(repository: FakeRepository, base: string, commit: string): Page {
  const matches = (candidate: string) => candidate === commit || (commit.length >= 7 && candidate.startsWith(commit));
  const statuses = [...repository.statuses].filter(([key]) => matches(key)).flatMap(([, byKey]) => [...byKey.values()]);
  const reports = [...repository.reports].filter(([key]) => matches(key)).flatMap(([, list]) => list);
  const pulls = [...repository.pullRequestsByCommit].filter(([key]) => matches(key)).flatMap(([, ids]) => ids);
  const known = statuses.length + reports.length + pulls.length > 0 || [...repository.branches.values()].some(matches) || commitOf(repository, commit) !== null;
  if (!known) return notFound();
  const reportHtml = reports
    .map((report) => {
      const fields = report.fields;
      const data = Array.isArray(fields.data) ? (fields.data as { title?: unknown; value?: unknown }[]) : [];
      return (
        `<section class="report"><h3>${escape(fields.title ?? report.externalId)}</h3>` +
        `<p>${escape(fields.report_type ?? '')} · ${escape(fields.result ?? 'no result')} · ${escape(fields.reporter ?? '')}</p><p>${escape(fields.details ?? '')}</p>` +
        (typeof fields.link === 'string' ? `<p>${anchor(fields.link, 'Open the report')}</p>` : '') +
        table(['data', 'value'], data.map((entry) => [escape(entry.title ?? ''), escape(JSON.stringify(entry.value ?? null))])) +
        table(
          ['annotation', 'severity', 'file', 'line', 'summary'],
          report.annotations.map((annotation) => {
            const a = annotation.fields;
            return [escape(a.annotation_type ?? ''), escape(a.severity ?? ''), escape(a.path ?? ''), escape(a.line ?? ''), typeof a.link === 'string' ? anchor(a.link, String(a.summary ?? '')) : escape(a.summary ?? '')];
          }),
        ) +
        '</section>'
      );
    })
    .join('');
  return page(
    `Commit ${commit.slice(0, 12)}`,
    `<h1>Commit ${escape(commit)}</h1><p>${anchor(base, `${repository.workspace}/${repository.slug}`)}</p>` +
      `<h2>Build statuses</h2>${table(['key', 'state', 'name', 'description'], statuses.map((status) => [escape(status.key), escape(status.state), anchor(status.url, status.name), escape(status.description)]))}` +
      `<h2>Reports</h2>${reports.length > 0 ? reportHtml : '<p>No reports.</p>'}` +
      `<h2>Pull requests</h2>${table(['#', 'title'], pulls.map((id) => [anchor(`${base}/pull-requests/${id}`, `#${id}`), escape(repository.pulls.get(id)?.title ?? '')]))}`,
  );
}

function pipelinePage(repository: FakeRepository, base: string, pipeline: FakePipeline, origin: string): Page {
  const state = renderPipeline(pipeline, repository, Date.now(), origin).state as { name: string; result?: { name: string } };
  const steps = pipeline.execution
    ? pipeline.execution.steps.map((step) => ({ name: step.name || 'Build', state: step.result ?? step.state, log: step.log.text() }))
    : pipeline.script.steps.map((step) => ({ name: step.name, state: state.result?.name ?? state.name, log: step.log }));
  return page(
    `Pipeline #${pipeline.buildNumber}`,
    `<h1>Pipeline #${escape(pipeline.buildNumber)}</h1><p>${anchor(base, `${repository.workspace}/${repository.slug}`)} · ${escape(pipeline.refName)} · ` +
      `${anchor(`${base}/commits/${pipeline.commit}`, pipeline.commit.slice(0, 12))} · custom: ${escape(pipeline.pattern)}</p>` +
      `<p class="state">${escape(state.name)}${state.result ? ` · ${escape(state.result.name)}` : ''}</p>` +
      (pipeline.execution?.error ? `<p class="error">${escape(pipeline.execution.error)}</p>` : '') +
      steps.map((step) => `<section class="step"><h2>${escape(step.name)} — ${escape(step.state)}</h2><pre>${escape(step.log)}</pre></section>`).join(''),
  );
}

function pullRequestPage(repository: FakeRepository, base: string, pull: FakePullRequest): Page {
  const byId = new Map(pull.comments.map((comment) => [comment.id, comment]));
  const comments = pull.comments.map((comment) => {
    const where = comment.inline ? ` on ${escape(comment.inline.path)}${comment.inline.to ? `:${escape(comment.inline.to)}` : ''}` : '';
    const reply = comment.parentId && byId.has(comment.parentId) ? ` in reply to ${escape(byId.get(comment.parentId)?.author.displayName ?? '')}` : '';
    const text = comment.deleted ? '<em>This comment was deleted.</em>' : `<pre>${escape(comment.raw)}</pre>`;
    return `<article id="comment-${escape(comment.id)}"><p><strong>${escape(comment.author.displayName)}</strong>${where}${reply}</p>${text}</article>`;
  });
  return page(
    `Pull request #${pull.id}`,
    `<h1>${escape(pull.title)} <small>#${escape(pull.id)}</small></h1>` +
      `<p class="state">${escape(pull.state)}${pull.draft ? ' · draft' : ''}</p>` +
      `<p>${escape(pull.author.displayName)} wants to merge ${escape(`${pull.source.repository}:${pull.source.branch}`)} into ${escape(pull.destination.branch)} · ` +
      `${anchor(`${base}/commits/${pull.source.commit}`, pull.source.commit.slice(0, 12))}${pull.mergeCommit ? ` · merged as ${anchor(`${base}/commits/${pull.mergeCommit}`, pull.mergeCommit.slice(0, 12))}` : ''}</p>` +
      `<pre>${escape(pull.description)}</pre>` +
      `<h2>Participants</h2>${table(['who', 'role', 'approved', 'state'], pull.participants.map((participant) => [escape(participant.user.displayName), escape(participant.role), escape(participant.approved ? 'yes' : 'no'), escape(participant.state ?? '—')]))}` +
      `<h2>Tasks</h2>${table(['task', 'state'], pull.tasks.map((task) => [escape(task.raw), escape(task.state)]))}` +
      `<h2>Comments</h2>${comments.join('') || '<p>No comments.</p>'}`,
  );
}

/** The page at `pathname` (already known not to be the API or git), or a 404 page. */
export function renderPage(world: World, pathname: string, origin: string): Page {
  let parts: string[];
  try {
    parts = pathname.split('/').filter((part) => part !== '').map(decodeURIComponent);
  } catch {
    return notFound();
  }
  const [workspace, slug, section, ...rest] = parts;
  const repository = workspace && slug ? world.repository(`${workspace}/${slug}`) : undefined;
  if (!repository) return notFound();
  const base = `${origin}/${encodeURIComponent(repository.workspace)}/${encodeURIComponent(repository.slug)}`;
  if (section === undefined) return repositoryPage(repository, base);
  if (section === 'admin' && rest[0] === 'webhooks') return webhooksPage(repository);
  if (section === 'branch' && rest.length > 0) {
    const head = repository.branches.get(rest.join('/'));
    return head === undefined ? notFound() : page(`Branch ${rest.join('/')}`, `<h1>${escape(rest.join('/'))}</h1><p>${anchor(`${base}/commits/${head}`, head)}</p>`);
  }
  if (section === 'commits' && rest[0]) return commitPage(repository, base, rest[0]);
  if (section === 'pipelines' && rest[0] === 'results' && rest[1]) {
    const pipeline = repository.pipelines.find((candidate) => String(candidate.buildNumber) === rest[1] || candidate.uuid.toLowerCase() === rest[1]?.toLowerCase());
    return pipeline ? pipelinePage(repository, base, pipeline, origin) : notFound();
  }
  if (section === 'pull-requests' && rest[0]) {
    const pull = repository.pulls.get(Number(rest[0]));
    return pull ? pullRequestPage(repository, base, pull) : notFound();
  }
  return notFound();
}
