// What the webview gives media/panel.js, typed with the panel's messages from
// extension/surfaces/panelMessages.ts, so that `tsc -p media` checks what the script sends and keeps.
import type { FromPanel, PanelState } from '../extension/surfaces/panelMessages';

interface PanelWebviewApi {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare global {
  function acquireVsCodeApi(): PanelWebviewApi;
}
