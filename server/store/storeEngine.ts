// What every operation, the receiver and the runner use of the store, whichever engine holds it: the
// file engine (files/, opened by openFiles) or PostgreSQL (postgres/, opened by openPostgres). Start-up
// chooses the engine once and hands its pieces on; nothing else knows which it is.
import type { z } from 'zod';
import type { ChangeTopic, DeliveryVerdict, StructuredPlan } from '../protocol';
import type { RegistryState } from '../registry/state';
import type { CredentialStore } from '../secrets/credentialStore';
import type { UserDirectory } from '../team/userDirectory';
import type { RunEvent } from './runEvents';
import type { StoredDelivery } from './storedDelivery';
import type { StoredRun } from './storedRun';

/** How many records each log keeps (before it rotates, or is pruned), and the bytes kept of each run's log. */
export interface LogSizes {
  runs: number;
  deliveries: number;
  refusals: number;
  runLogBytes?: number | undefined;
}

/** A store, whichever engine keeps it: everything Stackhook records, opened once at start-up. */
export interface StoreEngine {
  readonly registry: Registry;
  /** Manual runs (R12). Runs queued by a delivery are in its line of the deliveries log. */
  readonly runs: RecordLog<typeof StoredRun>;
  /** Every recorded delivery with the runs it queued, one record each (written at once, R16). */
  readonly deliveries: RecordLog<typeof StoredDelivery>;
  /** Deliveries refused for an unknown or deleted integration (R15): unsigned, so kept apart and bounded. */
  readonly refusals: RecordLog<typeof StoredDelivery>;
  /** Records the first attempt of each delivery with its runs (R16). */
  readonly deliveryRecorder: DeliveryRecorder;
  /** Bitbucket credentials as kept (a team server seals them first: secrets/encryptedCredentials.ts). */
  readonly credentials: CredentialStore;
  /** A team server's users, tokens and invitations. */
  readonly users: UserDirectory;
  /** Who runs which run: the run-events log and whether a run's owner still lives. */
  readonly runClaims: RunClaims;
  /** Each stack's lock, held while a process works through the stack's runs. */
  readonly stackLocks: StackLocks;
  readonly runLogs: RunLogs;
  /** The structured plans of OpenTofu and Terraform runs (masked: no plan value is in one), for every replica to answer. */
  readonly runPlans: RunPlans;
  /** Tells `changed` what other processes appended to the logs, once this one has read it. Returns a stop function. */
  watchRecords(changed: (topics: ChangeTopic[]) => void): () => void;
  close(): Promise<void>;
}

export interface Registry {
  /** Where the registry is, for people: a folder, or a database URL without its password. */
  readonly folder: string;
  /** The state as last read, without a round trip. Treat it as read-only. */
  readonly snapshot: RegistryState;
  /** The latest state. Treat it as read-only. */
  read(): Promise<RegistryState>;
  /** Applies `change` to the latest state atomically; if it throws, nothing is written. */
  update<T>(change: (draft: RegistryState) => T): Promise<T>;
  /** Calls `listener` with what changed whenever another process changes the registry. */
  onExternalChange(listener: (topics: ChangeTopic[]) => void): () => void;
  close(): void;
}

/** An append-only log of records (runs, deliveries, refusals): what is listed was read back from it. */
export interface RecordLog<S extends z.ZodType> {
  /** Names the log in messages (a file path, or the log's name in the database). */
  readonly file: string;
  load(): Promise<void>;
  /** Reads what other processes appended; true when there was something. */
  refresh(): Promise<boolean>;
  all(): readonly z.output<S>[];
  append(records: readonly z.output<S>[]): Promise<void>;
  close(): Promise<void>;
}

/** What one read of a run's log gives: the text from the offset asked, where the next read starts, and the log's size. */
export interface RunLogPart {
  text: string;
  nextOffset: number;
  size: number;
}

/** The logs of runs the records no longer hold are deleted once every RUN_LOG_PRUNE_EVERY new logs, in either engine. */
export const RUN_LOG_PRUNE_EVERY = 100;
/** A log written within this is kept even if its run is not (yet) among the records. */
export const RUN_LOG_PRUNE_GRACE_MS = 60 * 60_000;

/**
 * Each run's log: masked before it is kept, capped per run (past the cap, one note says the rest was
 * dropped). Offsets count bytes of the log's UTF-8 text.
 */
export interface RunLogs {
  append(runId: string, text: string, extraSecrets?: readonly string[]): Promise<void>;
  /** Resolves once all appended so far is kept: a state change recorded after it is never ahead of the log. */
  settle(runId: string): Promise<void>;
  /**
   * The log from `offset`, in whole lines unless `all` (then up to its end), at most 256 KiB at a time.
   * `all` (the run ended) reads what is kept; a live log written by another replica shows new output
   * once this one heard of it (a notice, within milliseconds).
   */
  read(runId: string, offset: number, all: boolean): Promise<RunLogPart>;
  /** The last `lines` lines (for a pull request comment). */
  tail(runId: string, lines: number): Promise<string>;
  close(): Promise<void>;
}

/** Structured plans kept at most: the newest this many (each at most a few MB: the rows are capped). */
export const RUN_PLANS_KEPT = 1_000;

/**
 * Each tool run's structured plan (server/protocol/plan.ts): counts and rows, never a value, so it
 * holds nothing sensitive and is kept as it is. Bounded by RUN_PLANS_KEPT, newest kept.
 */
export interface RunPlans {
  put(runId: string, plan: StructuredPlan): Promise<void>;
  /** The run's plan, or null when none is kept (none was read, or it was pruned). */
  get(runId: string): Promise<StructuredPlan | null>;
}

/**
 * One lock per stack, held by the store for as long as a process works through the stack's runs, so
 * a stack's runs execute one at a time across every process and replica. A process that dies loses
 * it at once (the file store: its pid is gone; PostgreSQL: its session closes); a process that is
 * paused keeps it (nothing else runs the stack until it resumes, or its session is dropped and it
 * finds the lock, and its run, lost).
 */
export interface StackLocks {
  /** Takes the stack's lock unless a live process holds it; null when one does. */
  tryAcquire(stackId: string): Promise<StackLease | null>;
  close(): Promise<void>;
}

/**
 * Run claims, the other half of what keeps a run from executing twice: the run-events log, which every
 * process folds alike (a claim is an event naming the next fence, runs/runEvent.ts), and whether the
 * process that claimed or queued a run still lives (asked of this machine by pid, or of the
 * replicas' heartbeats: a pid on another host cannot be asked). Heartbeats only say whose queued runs
 * another may start; what keeps two processes from running a stack at once is its lock (StackLocks).
 */
export interface RunClaims {
  readonly events: RecordLog<typeof RunEvent>;
  ownerAlive(owner: string): boolean;
}

export interface StackLease {
  readonly stackId: string;
  /** Grows at every acquisition of this stack's lock, by any process. */
  readonly fence: number;
  /** Fires when the store says this process no longer holds the lock (a dropped session). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** What a delivery taken long ago is remembered by, once its record left the deliveries log. */
export interface Accepted {
  at: Date;
  verdict: DeliveryVerdict;
}

/**
 * R16: of all attempts of one delivery (same integration, same X-Request-UUID), whichever process
 * receives them, exactly one is recorded with the runs it queued; every other attempt is answered
 * with the one recorded first. Each engine keeps that promise its own way: the file engine by its
 * deliveries log, which lists only the first line of each delivery (files/deliveryRecorder.ts),
 * PostgreSQL with a unique key that commits with the record (postgres/deliveryClaims.ts).
 */
export type Recorded =
  | { kind: 'recorded' }
  /** `first` is null when the record is not at hand: then `earlier` says what was taken, if known. */
  | { kind: 'taken'; first: StoredDelivery | null; earlier?: Accepted }
  | { kind: 'stale' };

export interface DeliveryRecorder {
  /**
   * The registry to check and route a delivery against: the latest the engine can give without a
   * round trip to a database, since `recordFirst` tells when it was not the latest.
   */
  routingState(): Promise<RegistryState>;
  /**
   * Records an accepted delivery with its runs, durably, unless an attempt of it was recorded first:
   * then answers that one. Answers stale, and records nothing, when the registry changed since
   * `routedOn` (the state's revision it was routed on): the delivery is routed again on the latest
   * state. A throw records nothing.
   */
  recordFirst(stored: StoredDelivery, routedOn: RegistryState): Promise<Recorded>;
}
