// A stand-in for the `vscode` module, with just what the extension uses, so its modules run under
// mocha. UI calls are recorded (messages, clipboard, status bar, output, webviews) for assertions;
// tests script answers by replacing the window functions with sinon stubs.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (value: T) => unknown;

export class Disposable {
  constructor(private readonly callback: () => void = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.callback();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {}
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}
export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export enum ViewColumn {
  Beside = -2,
  Active = -1,
  One = 1,
}
export enum QuickPickItemKind {
  Separator = -1,
  Default = 0,
}
export enum InputBoxValidationSeverity {
  Info = 1,
  Warning = 2,
  Error = 3,
}
export enum ConfigurationTarget {
  Global = 1,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}
export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class MarkdownString {
  isTrusted: boolean | { enabledCommands: readonly string[] } | undefined;
  supportThemeIcons: boolean | undefined;
  constructor(public value = '', supportThemeIcons = false) {
    this.supportThemeIcons = supportThemeIcons;
  }
  appendMarkdown(value: string): this {
    this.value += value;
    return this;
  }
  appendText(value: string): this {
    this.value += value.replace(/[\\`*_{}[\]()#+\-.!]/g, '\\$&');
    return this;
  }
}

export class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: string | MarkdownString;
  iconPath?: ThemeIcon;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}
export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(startLine: number, startCharacter: number, endLine: number, endCharacter: number) {
    this.start = new Position(startLine, startCharacter);
    this.end = new Position(endLine, endCharacter);
  }
}
export enum DiagnosticSeverity {
  Error = 0,
  Warning = 1,
  Information = 2,
  Hint = 3,
}
export class Diagnostic {
  source?: string;
  code?: string | number;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: DiagnosticSeverity = DiagnosticSeverity.Error,
  ) {}
}

/** A DiagnosticCollection that keeps what is set, by URI string, for assertions. */
export class FakeDiagnosticCollection {
  readonly entries = new Map<string, Diagnostic[]>();
  disposed = false;
  constructor(readonly name: string) {}
  set(uri: Uri, diagnostics: Diagnostic[]): void {
    this.entries.set(uri.toString(), diagnostics);
  }
  delete(uri: Uri): void {
    this.entries.delete(uri.toString());
  }
  clear(): void {
    this.entries.clear();
  }
  dispose(): void {
    this.disposed = true;
    this.entries.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = '',
  ) {}
  static parse(value: string): Uri {
    const match = /^([a-z][a-z0-9+.-]*):([^?]*)(?:\?(.*))?$/.exec(value);
    return new Uri(match?.[1] ?? 'file', match?.[2] ?? value, match?.[3] ?? '');
  }
  static file(fsPath: string): Uri {
    return new Uri('file', fsPath);
  }
  static from(parts: { scheme: string; path: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path, parts.query ?? '');
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts));
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}`;
  }
}

export interface RecordedMessage {
  severity: 'info' | 'warning' | 'error';
  message: string;
  items: string[];
  modal: boolean;
  detail: string | undefined;
}

/** Everything a test may want to look at after the fact. */
export const recorded = {
  messages: [] as RecordedMessage[],
  output: [] as string[],
  clipboard: '',
  opened: [] as string[],
  documents: [] as string[],
  executed: [] as { command: string; args: unknown[] }[],
  context: new Map<string, unknown>(),
  statusBarItems: [] as FakeStatusBarItem[],
  webviews: [] as FakeWebviewPanel[],
  progress: [] as { location: unknown; title?: string }[],
  statusMessages: [] as string[],
  inputBoxes: [] as FakeInputBox[],
  diagnostics: [] as FakeDiagnosticCollection[],
};

export class FakeStatusBarItem {
  text = '';
  tooltip: string | MarkdownString | undefined;
  command: string | undefined;
  name: string | undefined;
  backgroundColor: ThemeColor | undefined;
  visible = false;
  constructor(readonly id: string) {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {}
}

export class FakeWebview {
  html = '';
  options: unknown;
  readonly cspSource = 'vscode-webview://stub';
  readonly posted: unknown[] = [];
  readonly receive = new EventEmitter<unknown>();
  readonly onDidReceiveMessage = this.receive.event;
  asWebviewUri(uri: Uri): Uri {
    return Uri.parse(`vscode-webview://stub${uri.path}`);
  }
  async postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return true;
  }
}

export class FakeWebviewPanel {
  readonly webview = new FakeWebview();
  visible = true;
  private readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  readonly viewState = new EventEmitter<{ webviewPanel: FakeWebviewPanel }>();
  readonly onDidChangeViewState = this.viewState.event;
  constructor(
    readonly viewType: string,
    public title: string,
  ) {}
  reveal(): void {
    this.visible = true;
  }
  dispose(): void {
    this.disposed.fire();
  }
}

/**
 * Scripted answers to showInformation/Warning/ErrorMessage, used in order: each gets the message and
 * its buttons and returns the button to press (or undefined to dismiss).
 */
export const answers: ((message: string, items: string[]) => string | undefined)[] = [];

function record(severity: RecordedMessage['severity']) {
  return async (message: string, ...rest: unknown[]): Promise<string | undefined> => {
    const options = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { modal?: boolean; detail?: string }) : {};
    const items = rest.filter((item): item is string => typeof item === 'string');
    recorded.messages.push({ severity, message, items, modal: Boolean(options.modal), detail: options.detail });
    return answers.shift()?.(message, items);
  };
}

function fakeOutputChannel(name: string) {
  const line = (level: string) => (message: string) => recorded.output.push(`[${level}] ${message}`);
  return {
    name,
    logLevel: 2,
    onDidChangeLogLevel: new EventEmitter<number>().event,
    append: (value: string) => recorded.output.push(value),
    appendLine: (value: string) => recorded.output.push(value),
    replace: (value: string) => recorded.output.push(value),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
    trace: line('trace'),
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: (error: string | Error) => recorded.output.push(`[error] ${typeof error === 'string' ? error : error.message}`),
  };
}

/** An InputBox a test drives: type with `change`, press Enter with `accept`, move focus away with `hide`. */
export class FakeInputBox {
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  value = '';
  prompt: string | undefined;
  placeholder: string | undefined;
  password = false;
  ignoreFocusOut = false;
  busy = false;
  buttons: unknown[] = [];
  validationMessage: string | { message: string; severity: number } | undefined;
  shown = false;
  private readonly changed = new EventEmitter<string>();
  private readonly accepted = new EventEmitter<void>();
  private readonly hidden = new EventEmitter<void>();
  private readonly triggered = new EventEmitter<unknown>();
  readonly onDidChangeValue = this.changed.event;
  readonly onDidAccept = this.accepted.event;
  readonly onDidHide = this.hidden.event;
  readonly onDidTriggerButton = this.triggered.event;
  show(): void {
    this.shown = true;
  }
  dispose(): void {}
  change(value: string): void {
    this.value = value;
    this.changed.fire(value);
  }
  accept(): void {
    this.accepted.fire();
  }
  hide(): void {
    this.hidden.fire();
  }
}

const registeredCommands = new Map<string, (...args: unknown[]) => unknown>();

export const window = {
  showTextDocument: async (document: unknown, _options?: unknown) => document,
  showInformationMessage: record('info'),
  showWarningMessage: record('warning'),
  showErrorMessage: record('error'),
  showQuickPick: async (..._args: unknown[]): Promise<unknown> => undefined,
  showInputBox: async (..._args: unknown[]): Promise<string | undefined> => undefined,
  createInputBox: () => {
    const box = new FakeInputBox();
    recorded.inputBoxes.push(box);
    return box;
  },
  createOutputChannel: (name: string) => fakeOutputChannel(name),
  createStatusBarItem: (id: string) => {
    const item = new FakeStatusBarItem(id);
    recorded.statusBarItems.push(item);
    return item;
  },
  createWebviewPanel: (viewType: string, title: string) => {
    const panel = new FakeWebviewPanel(viewType, title);
    recorded.webviews.push(panel);
    return panel;
  },
  withProgress: async <R>(options: { location: unknown; title?: string }, task: (progress: { report(value: unknown): void }, token: CancellationTokenSource['token']) => Thenable<R>) => {
    recorded.progress.push(options);
    return task({ report: () => undefined }, new CancellationTokenSource().token);
  },
  createTreeView: (_id: string, _options: unknown) => ({ dispose: () => undefined, onDidExpandElement: new EventEmitter().event }),
  registerWebviewPanelSerializer: () => new Disposable(),
  setStatusBarMessage: (text: string) => {
    recorded.statusMessages.push(text);
    return new Disposable();
  },
};

export const QuickInputButtons = { Back: { iconPath: new ThemeIcon('arrow-left') } };

export const commands = {
  registerCommand: (id: string, callback: (...args: unknown[]) => unknown) => {
    registeredCommands.set(id, callback);
    return new Disposable(() => registeredCommands.delete(id));
  },
  executeCommand: async (command: string, ...args: unknown[]): Promise<unknown> => {
    recorded.executed.push({ command, args });
    if (command === 'setContext') {
      recorded.context.set(String(args[0]), args[1]);
      return undefined;
    }
    return registeredCommands.get(command)?.(...args);
  },
};

export enum UIKind {
  Desktop = 1,
  Web = 2,
}

export const env = {
  uiKind: UIKind.Desktop as UIKind,
  remoteName: undefined as string | undefined,
  clipboard: {
    writeText: async (value: string) => {
      recorded.clipboard = value;
    },
    readText: async () => recorded.clipboard,
  },
  openExternal: async (uri: Uri) => {
    recorded.opened.push(uri.toString());
    return true;
  },
};

export const languages = {
  createDiagnosticCollection: (name: string) => {
    const collection = new FakeDiagnosticCollection(name);
    recorded.diagnostics.push(collection);
    return collection;
  },
};

export const settings = new Map<string, unknown>();
const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();

export const workspace = {
  getConfiguration: (section: string) => ({
    get: <T>(key: string, fallback?: T): T | undefined => (settings.has(`${section}.${key}`) ? (settings.get(`${section}.${key}`) as T) : fallback),
    update: async (key: string, value: unknown): Promise<void> => void settings.set(`${section}.${key}`, value),
  }),
  onDidChangeConfiguration: configurationChanged.event,
  closeDocument: new EventEmitter<{ uri: Uri }>(),
  onDidCloseTextDocument: (listener: (document: { uri: Uri }) => unknown) => workspace.closeDocument.event(listener),
  /** Tests set the open folders. */
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  /** Documents opened by address: recorded as their address (tests read the content from the provider). */
  openTextDocument: async (uri: Uri) => {
    recorded.documents.push(uri.toString());
    return { uri };
  },
};

/** Formats `{0}`-style placeholders, as vscode.l10n.t does without a bundle. */
export const l10n = {
  t: (message: string | { message: string; args?: unknown[] }, ...args: unknown[]): string => {
    const text = typeof message === 'string' ? message : message.message;
    const values = typeof message === 'string' ? args : (message.args ?? []);
    return text.replace(/\{(\d+)\}/g, (match, index: string) => (Number(index) < values.length ? String(values[Number(index)]) : match));
  },
};

const pristineWindow = { ...window };

/** Forgets what earlier tests recorded and undoes replaced window functions. */
export function resetStub(): void {
  recorded.documents.length = 0;
  recorded.messages.length = 0;
  answers.length = 0;
  recorded.output.length = 0;
  recorded.clipboard = '';
  recorded.opened.length = 0;
  recorded.executed.length = 0;
  recorded.context.clear();
  recorded.statusBarItems.length = 0;
  recorded.webviews.length = 0;
  recorded.progress.length = 0;
  recorded.statusMessages.length = 0;
  recorded.inputBoxes.length = 0;
  recorded.diagnostics.length = 0;
  workspace.workspaceFolders = undefined;
  settings.clear();
  registeredCommands.clear();
  Object.assign(window, pristineWindow);
}

// Make `require('vscode')` (and `import … from 'vscode'`) load this module.
const moduleWithResolve = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolve = moduleWithResolve._resolveFilename;
moduleWithResolve._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? __filename : resolve.call(this, request, ...rest);
};
