// Story 9: connect the editor to a team server with the invitation an admin made for you. It shows an
// integration another user created there, and a delivery the team server received; the status bar
// says as whom it is connected.
import { strict as assert } from 'node:assert';
import * as Protocol from '../../../server/protocol';
import { connectEditor, startTeamServer, userWithToken, type TeamEditor, type TeamServer } from '../../support/teamServer';
import { world } from '../support/environment';
import { deliver, pushBody } from '../support/webhook';

const TEAM_INTEGRATION = 'Team Platform';
const TEAM_STACK = { name: 'team-network', repository: 'acme/network', branch: 'main' } as const;

describe('Story 9: an editor on a team server', () => {
  let server: TeamServer;
  let ben: TeamEditor;
  let anaInvitation: string;

  before(async () => {
    server = await startTeamServer({ args: ['--bitbucket-api', world().bitbucket.url] });
    ben = await connectEditor(server.url, await userWithToken(server, 'ben', true));
    // ben, an admin, invites ana; the editor exchanges the invitation for her own token.
    anaInvitation = (await ben.request(Protocol.UsersInvite, { name: 'ana' })).token;
    // ana reads the root space: she sees its stacks and the runs deliveries queue on them.
    await ben.request(Protocol.AccessGrant, { user: 'ana', spaceId: 'root', role: 'read' });
    await ben.request(Protocol.IntegrationsCreate, { name: TEAM_INTEGRATION, type: 'default', username: 'ben@example.com', secret: 'ATATT-team-story-0123456789', verify: false });
    await ben.request(Protocol.StacksCreate, { name: TEAM_STACK.name, spaceId: 'root', integrationId: 'team-platform', repository: TEAM_STACK.repository, branch: TEAM_STACK.branch, verify: false });
  });

  after(async () => {
    await ben?.close();
    await server?.stop();
  });

  it('connects with Connect to Team Server and an invitation, and shows another user\'s integration', async () => {
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Connect to Team Server');
    await workbench.waitForQuickInput(/Connect to Team Server \(1\/2\)/);
    await workbench.answer(server.url);
    await workbench.waitForQuickInput(/Connect to Team Server \(2\/2\)/);
    await workbench.answer(anaInvitation);
    await workbench.waitForNotification(/Connected to 127\.0\.0\.1:\d+ as ana/);
    assert.match(await server.admin('users', 'list'), /^ana\t.*\(valid until .*\(used .* for token /m, 'the invitation was redeemed for a personal token');
    await workbench.waitForStatusBar(/ana on 127\.0\.0\.1:\d+/);
    await workbench.openStackhook();
    await workbench.waitForTreeItem('Integrations', TEAM_INTEGRATION);
    await workbench.waitForTreeItem('Stacks', TEAM_STACK.name);
    await workbench.screenshot('story-9-team-server', { docs: true });
  });

  it('shows a delivery the team server received', async () => {
    const { workbench } = world();
    const secret = (await ben.request(Protocol.IntegrationsWebhookSecret, { id: 'team-platform' })).secret;
    const answer = await deliver(`${server.url}/webhooks/bitbucket-cloud/team-platform`, {
      eventKey: 'repo:push',
      body: pushBody(TEAM_STACK.repository, TEAM_STACK.branch, 'a'.repeat(40)),
      secret,
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const row = await workbench.waitForTreeItem('Deliveries', new RegExp(`repo:push\\s+${TEAM_STACK.repository}`));
    await row.filter({ hasText: `tracked run on ${TEAM_STACK.name}` }).waitFor({ timeout: 30_000 });
  });

  it('disconnects: the editor runs Stackhook on this machine again', async () => {
    const { workbench } = world();
    await workbench.runCommand('Stackhook: Disconnect from Team Server');
    await workbench.waitForNotification(/Disconnected from the team server/);
    await workbench.openStackhook();
    await workbench.expandView('Integrations');
    const labels = async () => (await workbench.treeLabels('Integrations')).join(' | ');
    for (let i = 0; i < 60 && (await labels()).includes(TEAM_INTEGRATION); i += 1) await workbench.page.waitForTimeout(500);
    assert.ok(!(await labels()).includes(TEAM_INTEGRATION), `the team's integration is gone from the view: ${await labels()}`);
  });
});
