// The fake's web pages: every html link the API gives (and every page Stackhook's links name) lands on
// a page that shows the real thing, and text from tests is escaped, links made only to safe schemes.
import { strict as assert } from 'node:assert';
import { repositoryWebLinks } from '../../../server/bitbucket/webLinks';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { clientFor, type Client } from './client';

const HOSTILE = '<script>alert("x")</script>&<img src=x onerror=alert(1)>';

describe('fake Bitbucket: read-only web pages', function () {
  this.timeout(30_000);
  let bitbucket: FakeBitbucket;
  let ana: Client;
  let head: string;
  const page = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, type: response.headers.get('content-type') ?? '', html: await response.text() };
  };

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', displayName: 'Ana', token: 'ATATT3xFfGF0-pages', scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    ana = clientFor(bitbucket, 'ana@example.com', 'ATATT3xFfGF0-pages');
    bitbucket.pushCommit('acme/net', 'main', { 'main.tf': '# main\n' });
    head = bitbucket.pushCommit('acme/net', 'feature', { 'bitbucket-pipelines.yml': 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          script:\n            - tofu plan\n' });
    const pull = bitbucket.pullRequests.create('acme/net', { source: 'feature', title: `Title ${HOSTILE}`, description: HOSTILE });
    bitbucket.pullRequests.comment('acme/net', pull.id, { author: 'mallory@example.com', raw: `comment ${HOSTILE}` });
    bitbucket.pullRequests.approve('acme/net', pull.id, bitbucket.world.person('bo@example.com', 'Bo'));
    bitbucket.world.setBuildStatus('acme/net', head, { key: 'evil', state: 'FAILED', name: `status ${HOSTILE}`, url: 'javascript:alert(1)' });
    bitbucket.world.setBuildStatus('acme/net', head, { key: 'ci', state: 'SUCCESSFUL', name: 'CI', url: 'https://ci.example.com/run/1' });
    await ana.send('PUT', `/repositories/acme/net/commit/${head}/reports/scan`, { title: `report ${HOSTILE}`, details: 'd', report_type: 'SECURITY', result: 'FAILED' });
    await ana.send('POST', `/repositories/acme/net/commit/${head}/reports/scan/annotations`, [
      { external_id: 'a1', annotation_type: 'VULNERABILITY', summary: `annotation ${HOSTILE}`, severity: 'CRITICAL', path: 'main.tf', line: 1 },
    ]);
  });
  after(() => bitbucket?.stop());

  it('html links of the API land on pages that show the real thing', async () => {
    const pull = (await ana.get('/repositories/acme/net/pullrequests/1')).json;
    const pullPage = await page(pull.links.html.href);
    assert.equal(pullPage.status, 200);
    assert.match(pullPage.type, /text\/html/);
    assert.match(pullPage.html, /OPEN/);
    assert.match(pullPage.html, /<td>Bo<\/td><td>PARTICIPANT<\/td><td>yes<\/td><td>approved<\/td>/);
    assert.match(pullPage.html, /comment &#60;script&#62;/);
    const comment = (await ana.get('/repositories/acme/net/pullrequests/1/comments')).json.values[0];
    assert.equal((await page(comment.links.html.href)).status, 200, "a comment's link opens its pull request");
    const repository = (await ana.get('/repositories/acme/net')).json;
    assert.match((await page(repository.links.html.href)).html, /<h1>acme\/net<\/h1>/);
  });

  it("Stackhook's own links (repository, webhook settings, commit, pipeline result) land somewhere true", async () => {
    const links = repositoryWebLinks(bitbucket.origin, 'acme/net', head);
    assert.equal((await page(links.repository)).status, 200);
    assert.equal((await page(links.webhooks)).status, 200);
    const commit = await page(links.commit ?? '');
    assert.equal(commit.status, 200);
    assert.match(commit.html, /<td>ci<\/td><td>SUCCESSFUL<\/td><td><a href="https:\/\/ci\.example\.com\/run\/1">CI<\/a><\/td>/);
    assert.match(commit.html, /annotation &#60;script&#62;/, 'the report and its annotations are on the commit page');
    assert.match(commit.html, /VULNERABILITY/);
    const pipeline = await ana.send('POST', '/repositories/acme/net/pipelines', {
      target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'feature', commit: { type: 'commit', hash: head }, selector: { type: 'custom', pattern: 'stackhook' } },
    });
    const result = await page(`${links.repository}/pipelines/results/${pipeline.json.build_number}`);
    assert.equal(result.status, 200);
    assert.match(result.html, /Pipeline #1/);
    assert.match(result.html, /Plan: 1 to add/, "the step's log is on the page");
  });

  it('escapes hostile text everywhere and never makes a javascript: link', async () => {
    const pages = [await page(`${bitbucket.origin}/acme/net/pull-requests/1`), await page(`${bitbucket.origin}/acme/net/commits/${head}`)];
    const html = pages.map((each) => each.html).join('');
    assert.match(html, /&#60;script&#62;alert/, 'the hostile text is shown');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /href="javascript:/i);
    assert.match(html, /status &#60;script&#62;/, 'a status with an unsafe URL is shown as text');
  });

  it('anything unknown is the HTML 404 page', async () => {
    for (const url of ['/acme/missing', '/acme/net/pull-requests/99', '/acme/net/pipelines/results/42', '/acme/net/commits/0000000000000000000000000000000000000000', '/acme/net/nonsense/x']) {
      const answer = await page(`${bitbucket.origin}${url}`);
      assert.equal(answer.status, 404, url);
      assert.match(answer.html, /Page not found/);
    }
  });
});
