// Activation: start the companion server, show its views, register the commands, and route the
// server's change notifications to what shows the changed things.
import * as vscode from 'vscode';
import type { ChangeTopic } from '../server/protocol';
import { StackhookClient } from './connection/client';
import { VIEW } from './commandIds';
import { registerCommands } from './commands';
import { affectsServer } from './connection/config';
import { ContextKey, setContext } from './contextKeys';
import { createLog } from './surfaces/log';
import { Notifier } from './surfaces/notifications';
import { Overview } from './state/overview';
import { PANEL_VIEW_TYPE, StatusPanel } from './surfaces/panel';
import { quickInputPrompter } from './commands/quickInput';
import { RUN_LOG_SCHEME, RunLogDocuments, openRunLog } from './surfaces/runLogDocument';
import { DELIVERY_SCHEME, deliveryDocuments } from './surfaces/deliveryDocument';
import { RunWatcher } from './state/runWatcher';
import { DriftNotifier } from './state/driftNotifier';
import { DRIFT_SCHEME, DriftDocuments } from './surfaces/driftDiff';
import { StatusBar } from './surfaces/statusBar';
import { TeamStatusItem } from './surfaces/teamStatusItem';
import { DeliveriesTree } from './views/deliveriesTree';
import { IntegrationsTree } from './views/integrationsTree';
import { StacksTree } from './views/stacksTree';
import { PLAN_SCHEME, PlanDocuments, PlanProblemsFeed } from './onDemandLoader';
import { WebhookHealthCache } from './state/webhookHealth';
import { CommitLinksCache } from './state/commitLinksCache';

/** When the bundle started to load (set by its first statement) and when it finished: benchmark 3. */
const loadStartedAt = (globalThis as { __stackhookLoadStart?: number }).__stackhookLoadStart ?? performance.now();
const loadedAt = performance.now();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activateStartedAt = performance.now();
  const output = createLog();
  const server = new StackhookClient(context, output);
  const health = new WebhookHealthCache(server);
  const commitLinks = new CommitLinksCache(server);
  const overview = new Overview(server, health, commitLinks);
  const integrations = new IntegrationsTree(server, health, commitLinks);
  const stacks = new StacksTree(server);
  const deliveries = new DeliveriesTree(server);
  const statusBar = new StatusBar();
  const teamStatus = new TeamStatusItem();
  const notifier = new Notifier(overview, server);
  const panel = new StatusPanel(context.extensionUri, overview);
  const runLogs = new RunLogDocuments(server);
  const runs = new RunWatcher(server);
  const planDocuments = new PlanDocuments(server);
  const planProblems = new PlanProblemsFeed(server);
  const driftNotifier = new DriftNotifier();
  const trees = [integrations, stacks, deliveries];

  const refreshAll = () => {
    // The app is installed in Bitbucket, which tells no one: Refresh is how its rows are checked again.
    commitLinks.clear();
    integrations.refresh(['integrations']);
    stacks.refresh();
    deliveries.refresh();
    void overview.refresh();
  };
  const route = (topics: readonly ChangeTopic[]) => {
    for (const tree of trees) if (tree.topics.some((topic) => topics.includes(topic))) tree.refresh(topics);
    if (topics.includes('integrations')) notifier.forgetCredentials();
    void overview.refresh(topics);
    if (topics.includes('runs') || topics.includes('stacks')) runs.changed();
  };
  context.subscriptions.push(
    output,
    server,
    health,
    commitLinks,
    overview,
    integrations,
    stacks,
    deliveries,
    statusBar,
    teamStatus,
    server.team.onDidChange((status) => teamStatus.update(status)),
    notifier,
    panel,
    runLogs,
    runs,
    vscode.workspace.registerTextDocumentContentProvider(RUN_LOG_SCHEME, runLogs),
    planDocuments,
    planProblems,
    vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, planDocuments),
    runs.onDidLook((stacks) => planProblems.update(stacks)),
    runs.onDidLook((stacks) => driftNotifier.look(stacks)),
    vscode.workspace.registerTextDocumentContentProvider(DRIFT_SCHEME, new DriftDocuments(server)),
    vscode.workspace.registerTextDocumentContentProvider(DELIVERY_SCHEME, deliveryDocuments),
    // The link a local run's build status carries: vscode://stackhook.stackhook/run?id=<run id>.
    vscode.window.registerUriHandler({
      handleUri: (uri) => {
        const runId = new URLSearchParams(uri.query).get('id');
        if (uri.path === '/run' && runId) void openRunLog(runId, server);
      },
    }),
    vscode.window.createTreeView(VIEW.integrations, { treeDataProvider: integrations, showCollapseAll: true }),
    vscode.window.createTreeView(VIEW.stacks, { treeDataProvider: stacks, showCollapseAll: true }),
    vscode.window.createTreeView(VIEW.deliveries, { treeDataProvider: deliveries }),
    ...registerCommands({ server, health, prompter: quickInputPrompter, output, refreshAll, showStatusPanel: () => panel.show(), team: server.team }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (restored) => panel.attach(restored),
    }),
    server.onChanged(route),
    ...followState(server, overview, runs, statusBar, refreshAll),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affectsServer(event)) return;
      // The settings are the server's command line: apply them by starting it again.
      output.info('Stackhook settings changed; restarting the server to apply them.');
      void server.restart();
    }),
  );

  stopServer = () => server.stop();
  setContext(ContextKey.ServerState, 'starting');
  // Not awaited: the views show progress and the welcome views speak if it fails.
  void server.start();
  logActivationTime(output, activateStartedAt);
}

/** The context keys of the welcome views and menus, and the status bar, follow the server and the overview. */
function followState(server: StackhookClient, overview: Overview, runs: RunWatcher, statusBar: StatusBar, refreshAll: () => void): vscode.Disposable[] {
  const showCounts = () =>
    statusBar.update({
      server: server.state,
      detached: overview.state.status?.counts.detachedStacks ?? overview.detachedStacks.length,
      brokenWebhooks: overview.brokenWebhooks.length,
      runningRuns: runs.counts.running,
      failedRuns: runs.counts.failed,
      drifted: overview.state.status?.counts.driftedStacks ?? 0,
      waitingRuns: runs.counts.waiting,
      refusedCredentials: overview.state.integrations.filter((integration) => integration.credentialRefused).map((integration) => integration.name),
    });
  return [
    runs.onDidChangeCounts(() => showCounts()),
    server.onDidChangeState((state) => {
      setContext(ContextKey.ServerState, state);
      showCounts();
      if (state === 'running' || state === 'failed') refreshAll();
      if (state === 'running') runs.changed();
    }),
    overview.onDidChange((state) => {
      setContext(ContextKey.HasIntegrations, state.integrations.length > 0);
      setContext(ContextKey.HasStacks, state.stacks.length > 0);
      setContext(ContextKey.HasDetachedStacks, overview.detachedStacks.length > 0);
      setContext(ContextKey.Demo, state.status?.demo !== undefined);
      showCounts();
    }),
  ];
}

/** What our own code costs the editor's start-up; the editor smoke story and bench/editorStartup.ts read this line. */
function logActivationTime(output: vscode.LogOutputChannel, activateStartedAt: number): void {
  const now = performance.now();
  output.info(
    `Stackhook activated in ${(loadedAt - loadStartedAt + now - activateStartedAt).toFixed(1)} ms of its own code ` +
      `(loading the bundle ${(loadedAt - loadStartedAt).toFixed(1)} ms, activate ${(now - activateStartedAt).toFixed(1)} ms)`,
  );
}

let stopServer: (() => Promise<void>) | undefined;

/** Returning the stop lets VS Code wait for the server's orderly shutdown (the store closes cleanly). */
export function deactivate(): Promise<void> | undefined {
  return stopServer?.();
}
