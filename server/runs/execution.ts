// What a runner gets to execute one run: the run's record, the stack, the credential, Bitbucket,
// the log, and how to change the run's state (on disk first, then announced).
import type { BitbucketCredential, BitbucketGateway } from '../bitbucket/gateway';
import type { Logger } from '../log';
import type { RunState } from '../protocol';
import type { StoredStack } from '../store/schema';
import type { RunBook } from './runBook';
import type { RunEvent, RunRecord } from './runEvent';
import type { RunSettings } from './settings';

export interface Execution {
  readonly runId: string;
  /** Taken over from a server that died after the run started: what that server began may exist. */
  readonly resumed: boolean;
  readonly stack: StoredStack;
  readonly credential: BitbucketCredential;
  readonly gateway: BitbucketGateway;
  readonly book: RunBook;
  readonly settings: RunSettings;
  readonly log: Logger;
  /** Fires when the run is cancelled (or times out). */
  readonly signal: AbortSignal;
  /** The web page Bitbucket shows for a repository: `https://bitbucket.org/acme/network`. */
  readonly repositoryPage: string;
  record(): RunRecord;
  change(change: Omit<RunEvent, 'runId' | 'at'>): Promise<unknown>;
  /** Appends to the run's log, masked (the credential too). */
  write(text: string): Promise<void>;
  /** Resolves when Confirm or Discard is asked (local runs waiting in `unconfirmed`). */
  decision(): Promise<'confirm' | 'discard'>;
}

export interface Outcome {
  state: Extract<RunState, 'finished' | 'failed' | 'stopped' | 'discarded'>;
  summary: string | null;
}
