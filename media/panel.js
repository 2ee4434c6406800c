// The status panel's script. It renders the state the host posts (types in
// extension/surfaces/panelMessages.ts) with textContent only, sends typed messages back, and keeps the
// last state through hide/show.
// @ts-check
(function () {
  /** @typedef {import('../extension/surfaces/panelMessages').PanelState} PanelState */
  /** @typedef {import('../extension/surfaces/panelMessages').FromPanel} FromPanel */
  /** @typedef {import('../extension/surfaces/panelMessages').ToPanel} ToPanel */

  // Declared in media/webview.d.ts; the webview provides it.
  const vscode = acquireVsCodeApi();

  /** @param {FromPanel} message */
  const send = (message) => vscode.postMessage(message);

  /** @param {string} id */
  const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /**
   * @param {string} tag
   * @param {string} [className]
   * @param {string} [text]
   */
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /**
   * @param {HTMLElement} list
   * @param {string} empty
   * @param {HTMLElement[]} rows
   */
  function fill(list, empty, rows) {
    list.replaceChildren(...(rows.length ? rows : [element('li', 'muted', empty)]));
  }

  /**
   * @param {string} name
   * @param {string} detail
   * @param {HTMLElement[]} [extra]
   */
  function row(name, detail, extra = []) {
    const item = element('li');
    const main = element('div', 'main');
    main.append(element('div', 'name', name), element('div', 'detail', detail));
    item.append(main, ...extra);
    return item;
  }

  /**
   * @param {string} label
   * @param {FromPanel} message
   */
  function button(label, message) {
    const node = element('button', undefined, label);
    node.addEventListener('click', () => send(message));
    return node;
  }

  /** @param {PanelState} state */
  function render(state) {
    const t = state.text;
    byId('refresh').textContent = t.refresh;
    byId('receiver').textContent = state.receiver;
    // Shown only while a token is refused: the one thing that stops everything else.
    const refused = state.refused || [];
    byId('refused-section').hidden = refused.length === 0;
    byId('refused-heading').textContent = `${t.refused} (${refused.length})`;
    fill(
      byId('refused'),
      '',
      refused.map((entry) =>
        row(entry.name, `${t.refusedAt} ${new Date(entry.at).toLocaleString()} · ${entry.reason}`, [
          button(t.replaceToken, { type: 'replaceToken', integrationId: entry.integrationId }),
        ]),
      ),
    );
    byId('detached-heading').textContent = `${t.detached} (${state.detached.length})`;
    fill(
      byId('detached'),
      t.noDetached,
      state.detached.map((stack) =>
        row(stack.name, `${stack.detachedFrom ? `${t.wasOn} "${stack.detachedFrom}" · ` : ''}${stack.repository} @ ${stack.branch}`, [
          button(t.reattach, { type: 'reattach', stackId: stack.id }),
        ]),
      ),
    );
    byId('drifted-heading').textContent = `${t.drifted} (${state.drifted.length})`;
    fill(
      byId('drifted'),
      t.noDrifted,
      state.drifted.map((stack) => row(stack.name, stack.line, [button(t.openLog, { type: 'openLog', runId: stack.runId })])),
    );
    byId('webhooks-heading').textContent = t.webhooks;
    fill(
      byId('webhooks'),
      t.noWebhooks,
      state.webhooks.map((webhook) => {
        const extra = [element('span', `badge state-${webhook.state}`, webhook.state)];
        if (webhook.repairable) extra.push(button(t.repair, { type: 'repair', integrationId: webhook.integrationId, repository: webhook.repository }));
        return row(webhook.repository, `${webhook.summary} · ${webhook.integrationName} · ${t.usedBy} ${webhook.stacks.join(', ')}`, extra);
      }),
    );
    byId('commit-links-heading').textContent = t.commitLinks;
    fill(
      byId('commit-links'),
      t.noCommitLinks,
      state.commitLinks.map((links) => {
        const extra = [element('span', `badge state-${links.state}`, links.summary)];
        if (links.canOpenCommit) extra.push(button(t.openCommit, { type: 'openCommit', integrationId: links.integrationId, repository: links.repository }));
        return row(links.repository, links.message, extra);
      }),
    );
    byId('runs-heading').textContent = t.runs;
    fill(
      byId('runs'),
      t.noRuns,
      state.runs.map((run) =>
        row(run.stackName || run.stackId, run.line, [element('span', `badge run-${run.state}`, run.state), button(t.openLog, { type: 'openLog', runId: run.id })]),
      ),
    );
    byId('deliveries-heading').textContent = t.deliveries;
    fill(
      byId('deliveries'),
      t.noDeliveries,
      state.deliveries.map((delivery) =>
        row(`${delivery.eventKey} ${delivery.repository}`, `${new Date(delivery.receivedAt).toLocaleString()} · ${delivery.reason}`, [
          element('span', `badge tone-${delivery.tone}`, delivery.badge),
        ]),
      ),
    );
  }

  byId('refresh').addEventListener('click', () => send({ type: 'refresh' }));

  window.addEventListener('message', (event) => {
    /** @type {ToPanel} */
    const message = event.data;
    if (message && message.type === 'state') {
      vscode.setState(message.state);
      render(message.state);
    }
  });

  // Shown again after being hidden: draw what we had at once, then ask for fresh state.
  const previous = /** @type {PanelState | undefined} */ (vscode.getState());
  if (previous) render(previous);
  send({ type: 'ready' });
})();
