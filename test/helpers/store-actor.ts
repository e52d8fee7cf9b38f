/**
 * @module Runs the supervisor's store actor (services/runtime/store-actor.ts) over a token store
 * under a parent machine that records every report, for tests of the actor on its own.
 */
import { createActor, setup, type AnyActorRef } from 'xstate';
import type { StoreCommand, StoreReport } from '../../machines/supervisor/supervisor.types.js';
import { createStoreActor } from '../../services/runtime/store-actor.js';
import type { TokenStore } from '../../services/token-store/token-store.js';
import { memoryLogger } from '../http/support/memory-logger.js';

/** The running store actor: its reports so far, and how to send it a command. */
export interface StoreActorRun {
  reports: StoreReport[];
  send(command: StoreCommand): void;
}

/** Starts the store actor over `store`; `onCleanup` receives the function that stops it. */
export function runStoreActor(
  store: TokenStore,
  onCleanup: (stop: () => void) => void,
): StoreActorRun {
  const reports: StoreReport[] = [];
  const parent = createActor(
    setup({ actors: { store: createStoreActor(store, memoryLogger().logger) } }).createMachine({
      invoke: { id: 'store', src: 'store' },
      on: { '*': { actions: ({ event }) => void reports.push(event as StoreReport) } },
    }),
  );
  parent.start();
  onCleanup(() => parent.stop());
  const child = parent.getSnapshot().children.store as AnyActorRef;
  return { reports, send: (command) => child.send(command) };
}
