// Connect to Team Server, Disconnect, Invite User: the team server's commands. The address goes to the
// `stackhook.server` setting (which restarts the client over the WebSocket), the token to SecretStorage.
import * as vscode from 'vscode';
import { createMessageConnection } from 'vscode-jsonrpc';
import { protocol } from '../connection/protocol';
import type { CommandContext } from './context';
import { requestCommand } from './request';
import { SECTION } from '../connection/config';
import { parseTeamAddress, type TeamAddress } from '../connection/teamServer/address';
import { INVITATION_SHAPE, redeemInvitation } from '../connection/teamServer/redeem';
import type { TeamLink } from '../connection/teamServer/teamLink';
import { openTeamTransport } from '../connection/teamServer/connect';

const TOKEN_SHAPE = /^shk_[A-Za-z0-9_-]{43}$/;

/** Opens a connection, asks who the token belongs to, and closes it: nothing is stored before this passes. */
export async function whoIs(address: TeamAddress, token: string): Promise<string> {
  const transport = await openTeamTransport(address, token);
  const connection = createMessageConnection(transport.reader, transport.writer);
  connection.listen();
  try {
    await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    return protocol().Status.result.parse(await connection.sendRequest(protocol().wireType(protocol().Status), {})).user;
  } finally {
    connection.dispose();
    transport.socket.close();
  }
}

function currentSetting(): string {
  return (vscode.workspace.getConfiguration(SECTION).get<string>('server') ?? '').trim();
}

/** The address last typed, so a second try (after a refusal, or after Disconnect) starts from it. */
let lastAddress = '';

export async function connect(ctx: CommandContext, link: TeamLink): Promise<void> {
  // A failure offers Edit, which asks again with what was typed; giving up ends the flow.
  while (!(await connectOnce(ctx, link))) {
    /* asked again */
  }
}

/** True when done (connected, or the person stopped); false to ask again. */
async function connectOnce(ctx: CommandContext, link: TeamLink): Promise<boolean> {
  const url = await vscode.window.showInputBox({
    title: vscode.l10n.t('Connect to Team Server (1/2)'),
    prompt: vscode.l10n.t('The team server\'s address'),
    value: currentSetting() || lastAddress || 'https://',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        parseTeamAddress(value);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  });
  if (url === undefined) return true;
  lastAddress = url.trim();
  const address = parseTeamAddress(url);
  const pasted = await vscode.window.showInputBox({
    title: vscode.l10n.t('Connect to Team Server (2/2)'),
    prompt: vscode.l10n.t('Your personal token or invitation for {0} (an admin makes one with `tokens create` or Invite User)', address.host),
    password: true,
    ignoreFocusOut: true,
    placeHolder: 'shk_… / shi_…',
    validateInput: (value) =>
      TOKEN_SHAPE.test(value.trim()) || INVITATION_SHAPE.test(value.trim())
        ? undefined
        : vscode.l10n.t('A Stackhook token starts with shk_ (an invitation with shi_) and has 47 characters.'),
  });
  if (pasted === undefined) return true;
  let user: string;
  try {
    user = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Connecting to {0}…', address.host) },
      async () => {
        const token = INVITATION_SHAPE.test(pasted.trim()) ? await personalTokenFor(ctx, link, address, pasted.trim()) : pasted.trim();
        const owner = await whoIs(address, token);
        await link.storeToken(address, token);
        return owner;
      },
    );
  } catch (error) {
    const edit = vscode.l10n.t('Edit');
    const choice = await vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error), edit);
    return choice !== edit;
  }
  ctx.output.info(`Connected to the team server ${address.url} as ${user}.`);
  if (currentSetting() === address.url) await ctx.server.restart();
  else await vscode.workspace.getConfiguration(SECTION).update('server', address.url, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(vscode.l10n.t('Connected to {0} as {1}.', address.host, user));
  return true;
}

/**
 * Redeems the invitation and keeps the personal token it gives at once: the invitation is spent now,
 * so the token must not be lost if the check that follows fails. The invitation is never stored.
 */
async function personalTokenFor(ctx: CommandContext, link: TeamLink, address: TeamAddress, invitation: string): Promise<string> {
  const redeemed = await redeemInvitation(address, invitation);
  await link.storeToken(address, redeemed.token);
  ctx.output.info(`Redeemed an invitation on ${address.url}: personal token ${redeemed.tokenId} for ${redeemed.user}, valid until ${redeemed.expiresAt}.`);
  return redeemed.token;
}

export async function disconnect(ctx: CommandContext, link: TeamLink): Promise<void> {
  const setting = currentSetting();
  if (!setting) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Stackhook is not connected to a team server.'));
    return;
  }
  try {
    await link.deleteToken(parseTeamAddress(setting));
  } catch {
    // An unusable address has no token worth deleting.
  }
  lastAddress = setting;
  await vscode.workspace.getConfiguration(SECTION).update('server', '', vscode.ConfigurationTarget.Global);
  ctx.output.info(`Disconnected from the team server ${setting}; Stackhook runs locally again.`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Disconnected from the team server. Stackhook runs on this machine again.'));
}

type InviteRole = 'read' | 'write' | 'admin' | 'none';

export function inviteUser(ctx: CommandContext): Promise<void> {
  return requestCommand(ctx, {
    pick: async () => {
      const name = await vscode.window.showInputBox({
        title: vscode.l10n.t('Invite User (1/2)'),
        prompt: vscode.l10n.t('The new user\'s name on the team server'),
        ignoreFocusOut: true,
        validateInput: (value) => (/^[A-Za-z0-9._@-]+$/.test(value.trim()) ? undefined : vscode.l10n.t('Letters, digits and . _ @ - only.')),
      });
      if (name === undefined) return undefined;
      // What they may do once connected: a role on the root space (others can be granted later).
      const role = await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Read'), description: vscode.l10n.t('sees integrations, stacks, runs and deliveries'), role: 'read' as InviteRole },
          { label: vscode.l10n.t('Write'), description: vscode.l10n.t('also creates stacks and runs them'), role: 'write' as InviteRole },
          { label: vscode.l10n.t('Admin'), description: vscode.l10n.t('also manages integrations, webhooks and access'), role: 'admin' as InviteRole },
          { label: vscode.l10n.t('No role yet'), description: vscode.l10n.t('grant one later'), role: 'none' as InviteRole },
        ],
        { title: vscode.l10n.t('Invite User (2/2)'), placeHolder: vscode.l10n.t('Role of {0} on the root space', name.trim()), ignoreFocusOut: true },
      );
      return role ? { name: name.trim(), role: role.role } : undefined;
    },
    request: protocol().UsersInvite,
    params: ({ name }) => ({ name }),
    onAnswer: async (invitation, { role }) => {
      if (role !== 'none') await ctx.server.request(protocol().AccessGrant, { user: invitation.user, spaceId: 'root', role });
      await offerInvitation(invitation, role);
    },
  });
}

/** The invitation is shown only now: Cancel does not throw it away, a notification keeps Copy until it is copied. */
async function offerInvitation(invitation: { user: string; token: string; expiresAt: string }, role: InviteRole): Promise<void> {
  const copy = vscode.l10n.t('Copy invitation');
  const until = `${invitation.expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
  const roleWords = role === 'none' ? vscode.l10n.t('no role yet') : vscode.l10n.t('role {0} on the root space', role);
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      '{0} is invited ({1}). The invitation works once, until {2}: they paste it into Connect to Team Server, which exchanges it for their own token. It is shown only now: copy it and pass it on privately.',
      invitation.user,
      roleWords,
      until,
    ),
    { modal: true },
    copy,
  );
  let copied = choice === copy;
  while (!copied) {
    const again = await vscode.window.showWarningMessage(vscode.l10n.t('The invitation for {0} is not copied yet, and cannot be shown again once this is closed.', invitation.user), copy);
    if (again !== copy) return;
    copied = true;
  }
  await vscode.env.clipboard.writeText(invitation.token);
  void vscode.window.showInformationMessage(vscode.l10n.t('Invitation for {0} copied. Pass it on privately; it works once, until {1}.', invitation.user, until));
}
