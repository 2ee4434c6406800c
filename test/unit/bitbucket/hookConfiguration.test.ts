// R14 and R17 as hook plans: which hook is the integration's, what is wrong with it, and the
// fewest writes that fix it.
import { strict as assert } from 'node:assert';
import type { Hook } from '../../../server/bitbucket/schemas';
import { findHook, hookProblems, matchHook, planHook } from '../../../server/bitbucket/hookConfiguration';
import { R14_EVENTS } from '../../../server/webhooks/subscribedEvents';

const target = { url: 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main', secret: 'whsec-0123456789' };
let n = 0;
const hook = (overrides: Partial<Hook> = {}): Hook => ({
  uuid: `{00000000-0000-4000-8000-${String(++n).padStart(12, '0')}}`,
  url: target.url,
  description: '',
  active: true,
  events: [...R14_EVENTS],
  secret_set: true,
  ...overrides,
});

describe('webhook plans (R14, R17)', () => {
  it('R14: the seven events, exactly', () => {
    assert.deepEqual([...R14_EVENTS], [
      'repo:push',
      'pullrequest:created',
      'pullrequest:updated',
      'pullrequest:approved',
      'pullrequest:unapproved',
      'pullrequest:fulfilled',
      'pullrequest:comment_created',
    ]);
  });

  it('a hook is the integration\'s when its URL is the integration\'s URL, or ends with its path on another host', () => {
    assert.equal(matchHook('https://HOOKS.example.com/webhooks/bitbucket-cloud/acme-main/', target.url), 'exact');
    assert.equal(matchHook('https://old-tunnel.ngrok.app/webhooks/bitbucket-cloud/acme-main', target.url), 'integration-path');
    assert.equal(matchHook('https://old.example.com/base/webhooks/bitbucket-cloud/acme-main', target.url), 'integration-path');
    assert.equal(matchHook('https://hooks.example.com/webhooks/bitbucket-cloud/acme-main-2', target.url), null);
    assert.equal(matchHook('https://ci.example.com/bitbucket', target.url), null);
  });

  it('no hook: one create with the seven events, active and the webhook secret', () => {
    const plan = planHook([hook({ url: 'https://ci.example.com/hook' })], target);
    assert.equal(plan.action, 'created');
    if (plan.action !== 'created') return;
    assert.deepEqual(plan.create, { description: 'Stackhook: acme-main', url: target.url, active: true, events: [...R14_EVENTS], secret: target.secret });
  });

  it('a right hook: unchanged, no write', () => {
    assert.deepEqual(planHook([hook()], target), { action: 'unchanged', remove: [] });
  });

  it('5 of 7 events and a wrong host: one update carrying only what differs (and the secret), no new hook', () => {
    const old = hook({ url: 'https://old-tunnel.ngrok.app/webhooks/bitbucket-cloud/acme-main', events: R14_EVENTS.slice(0, 5) });
    const problems = hookProblems(findHook([old], target), target);
    assert.deepEqual(problems, [
      `wrong URL: ${old.url} instead of ${target.url}`,
      'missing events: pullrequest:fulfilled, pullrequest:comment_created',
    ]);
    const plan = planHook([old], target);
    assert.equal(plan.action, 'updated');
    if (plan.action !== 'updated') return;
    assert.deepEqual(plan.update, { uuid: old.uuid, body: { url: target.url, events: [...R14_EVENTS], secret: target.secret } });
    assert.deepEqual(plan.remove, []);
  });

  it('inactive, extra events and no secret are drift; the fix sends only those fields', () => {
    const drifted = hook({ active: false, events: [...R14_EVENTS, 'repo:fork'], secret_set: false });
    assert.deepEqual(hookProblems(findHook([drifted], target), target), ['extra events: repo:fork', 'inactive', 'no secret']);
    const plan = planHook([drifted], target);
    assert.equal(plan.action, 'updated');
    if (plan.action === 'updated') assert.deepEqual(plan.update?.body, { events: [...R14_EVENTS], active: true, secret: target.secret });
  });

  it('R17: a hook without a secret gets it; one with a secret is left alone unless asked to resend it', () => {
    const plan = planHook([hook({ secret_set: false })], target);
    assert.equal(plan.action, 'updated');
    if (plan.action === 'updated') assert.deepEqual(plan.update?.body, { secret: target.secret });
    assert.equal(planHook([hook()], target).action, 'unchanged');
    const resent = planHook([hook()], target, { resendSecret: true });
    assert.equal(resent.action, 'updated');
    if (resent.action === 'updated') assert.deepEqual(resent.update?.body, { secret: target.secret });
  });

  it('prefers the hook with the exact URL, and deletes exact duplicates, which would deliver each event twice', () => {
    const moved = hook({ url: 'https://old.example.com/webhooks/bitbucket-cloud/acme-main' });
    const first = hook();
    const second = hook();
    const finding = findHook([moved, first, second], target);
    assert.equal(finding.hook, first);
    assert.deepEqual(finding.duplicates, [second]);
    assert.match(hookProblems(finding, target).join(), /duplicate hooks: 2 hooks have this URL/);
    const plan = planHook([moved, first, second], target);
    assert.deepEqual(plan, { action: 'updated', update: null, remove: [second.uuid] });
  });
});
