/** @module Types of the supervisor machine: its input, context and its store actor's protocol. */
import type { AnyActorRef } from 'xstate';
import type { IssueKind } from '../upstream/upstream.events.js';
import type { TokenRecord } from '../upstream/token-record.js';
import type { MachineEnv, RefreshSettings, UpstreamEntry } from '../upstream/upstream.types.js';

/** A configured server plus its store key (computed by services/, which owns hashing). */
export interface ServerSpec {
  entry: UpstreamEntry;
  serverKey: string;
}

/** What loading one record gave (the store's ReadResult, as pure data). */
export type LoadResult =
  | { status: 'found'; record: TokenRecord }
  | { status: 'missing' }
  | { status: 'corrupt'; error: string };

export interface SupervisorInput {
  servers: ServerSpec[];
  settings: RefreshSettings;
  /** Upper bound of the earlier-only refresh jitter (fraction of lifetime, ≤ 0.05; 0 = off). */
  maxJitter: number;
  /** Seed for the deterministic per-server jitter. */
  jitterSeed: number;
  env: MachineEnv;
}

export interface SupervisorContext {
  specs: Record<string, ServerSpec>;
  /** The name of each configured server by its server key (store changes name only the key). */
  names: Record<string, string>;
  settings: RefreshSettings;
  maxJitter: number;
  jitterSeed: number;
  env: MachineEnv;
  /** Initial loads still outstanding (starting state). */
  loading: string[];
  children: Record<string, AnyActorRef>;
  /** Issuer of each running server's committed tokens (null: none yet); jitter needs sharing. */
  issuers: Record<string, string | null>;
  /** The jitter each child was last given. */
  jitters: Record<string, number>;
  /** Whether the store answered its last operation (health: "Token store unavailable"). */
  storeAvailable: boolean;
}

/** Commands the supervisor sends its store actor. */
export type StoreCommand =
  | { type: 'store.load'; name: string; serverKey: string }
  | {
      type: 'store.save';
      name: string;
      kind: IssueKind;
      record: TokenRecord;
      expectedGeneration: number | null;
      correlationId: string;
    }
  | { type: 'store.clear'; name: string; serverKey: string; generation: number | null };

/** What the store actor reports back. */
export type StoreReport =
  | { type: 'store.loaded'; name: string; serverKey: string; result: LoadResult }
  | { type: 'store.saved'; name: string; kind: IssueKind; record: TokenRecord }
  | {
      type: 'store.save_failed';
      name: string;
      kind: IssueKind;
      error: string;
      current: TokenRecord | null;
    }
  | { type: 'store.changed'; serverKey: string; record: TokenRecord | null }
  | { type: 'store.availability'; available: boolean };
