// The settings, read in one place, and the server command line they make.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const SECTION = 'stackhook';

export interface Settings {
  /** The address Bitbucket reaches the webhook receiver at; empty leaves the server's default. */
  publicUrl: string;
  /** HOST:PORT for the webhook receiver; empty runs none. */
  listen: string;
  /** Where the store lives; empty is ~/.stackhook. */
  storePath: string;
  bitbucketApiUrl: string;
  /** A team server's address; empty runs the local companion process. */
  server: string;
}

/** The settings that change how the server starts: a change to any of them restarts it. */
const SERVER_SETTINGS = ['publicUrl', 'listen', 'storePath', 'bitbucketApiUrl', 'server'] as const;

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const text = (key: string) => (config.get<string>(key) ?? '').trim();
  return { publicUrl: text('publicUrl'), listen: text('listen'), storePath: text('storePath'), bitbucketApiUrl: text('bitbucketApiUrl'), server: text('server') };
}

function expandHome(value: string): string {
  return value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
}

export function serverArgs(settings: Settings): string[] {
  const args = ['--secrets', 'client'];
  if (settings.storePath) args.push('--store', expandHome(settings.storePath));
  if (settings.publicUrl) args.push('--public-url', settings.publicUrl);
  if (settings.listen) args.push('--listen', settings.listen);
  if (settings.bitbucketApiUrl) args.push('--bitbucket-api', settings.bitbucketApiUrl);
  return args;
}

export function affectsServer(event: vscode.ConfigurationChangeEvent): boolean {
  return SERVER_SETTINGS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}
