/**
 * @module The supervisor's store actor over a `TokenStore`: performs load/save/clear commands
 * in order per server (different servers' commands run side by side, so a store can commit
 * them together), reports the outcome, forwards changes seen by the store's watch (other
 * processes' writes; the echo of its own writes is dropped), and reports availability (health:
 * "Token store unavailable"). While a shared store is unreachable, operations wait for it.
 */
import { fromCallback } from 'xstate';
import type { StoreCommand, StoreReport } from '../../machines/supervisor/supervisor.types.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../logger/index.js';
import type { TokenStore } from '../token-store/token-store.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Pauses between retries of an operation while the store is unreachable: 250 ms doubling to 2 s. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2_000;

/** Builds the `store` actor logic the supervisor machine invokes. */
export function createStoreActor(store: TokenStore, logger: Logger) {
  return fromCallback<StoreCommand, unknown>(({ sendBack, receive }) => {
    let available = true;
    /** The tail of each server key's operations (the key is gone once they are done). */
    const queues = new Map<string, Promise<void>>();
    const enqueue = (serverKey: string, task: () => Promise<void> | void) => {
      // A task that throws must not stop the ones queued after it (nor go unhandled).
      const tail = (queues.get(serverKey) ?? Promise.resolve())
        .then(task)
        .catch((error: unknown) => logger.error({ err: error }, 'Token store operation failed'));
      queues.set(serverKey, tail);
      void tail.then(() => {
        if (queues.get(serverKey) === tail) queues.delete(serverKey);
      });
    };
    /** Newest generation per server key this actor loaded or wrote (and so already reported). */
    const known = new Map<string, number>();
    const note = (serverKey: string, generation: number) => {
      if (generation > (known.get(serverKey) ?? 0)) known.set(serverKey, generation);
    };
    const report = (event: StoreReport) => sendBack(event);
    const setAvailable = (value: boolean) => {
      if (value !== available) {
        available = value;
        report({ type: 'store.availability', available: value });
      }
    };

    async function perform(command: StoreCommand): Promise<void> {
      switch (command.type) {
        case 'store.load': {
          const result = await store.read(command.serverKey);
          if (result.status === 'found') note(command.serverKey, result.record.generation);
          report({
            type: 'store.loaded',
            name: command.name,
            serverKey: command.serverKey,
            result,
          });
          return;
        }
        case 'store.save': {
          const { record, kind } = command;
          if ((kind === 'refresh' || kind === 'outcome') && command.expectedGeneration !== null) {
            const outcome = await store.commit(record, command.expectedGeneration);
            if (outcome.committed) {
              note(record.server_key, outcome.record.generation);
              report({ type: 'store.saved', name: command.name, kind, record: outcome.record });
            } else {
              report({
                type: 'store.save_failed',
                name: command.name,
                kind,
                error:
                  kind === 'refresh'
                    ? 'the stored record changed since this refresh began (another process rotated it)'
                    : 'the stored record changed since this refresh began (another process wrote it)',
                current: outcome.current,
              });
            }
            return;
          }
          const stored = await store.put(record);
          note(record.server_key, stored.generation);
          report({ type: 'store.saved', name: command.name, kind, record: stored });
          return;
        }
        case 'store.clear': {
          const current = await store.read(command.serverKey);
          if (current.status !== 'found') return;
          const cleared = {
            ...current.record,
            tokens: null,
            issued_at: null,
            expires_at: null,
            refresh_expires_at: null,
          };
          // Logout removes the tokens; registration and callback port stay so the redirect URI
          // never changes.
          note(command.serverKey, (await store.put(cleared)).generation);
          return;
        }
      }
    }

    let stopped = false;
    /**
     * Performs `command`; while the store reports itself unreachable (PostgreSQL down), keeps
     * retrying it until the store answers: a commit held back is a redeemed refresh token that
     * may be the only valid one, so it is delayed (and not used), never dropped.
     */
    async function performWhileUnavailable(command: StoreCommand): Promise<void> {
      let delay = RETRY_MIN_MS;
      for (;;) {
        try {
          await perform(command);
          return;
        } catch (error) {
          if (stopped || store.isAvailable?.() !== false) throw error;
          if (available) {
            logger.warn(
              { command: command.type, error: messageOf(error) },
              'Token store unavailable: the operation waits for it',
            );
          }
          setAvailable(false);
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, RETRY_MAX_MS);
          if (stopped) throw error;
        }
      }
    }

    receive((command) => {
      const serverKey =
        command.type === 'store.save' ? command.record.server_key : command.serverKey;
      enqueue(serverKey, async () => {
        try {
          await performWhileUnavailable(command);
          setAvailable(true);
        } catch (error) {
          if (stopped) return;
          setAvailable(false);
          logger.error({ err: error, command: command.type }, 'Token store operation failed');
          if (command.type === 'store.save') {
            report({
              type: 'store.save_failed',
              name: command.name,
              kind: command.kind,
              error: messageOf(error),
              current: null,
            });
          } else if (command.type === 'store.load') {
            report({
              type: 'store.loaded',
              name: command.name,
              serverKey: command.serverKey,
              result: {
                status: 'corrupt',
                error:
                  error instanceof StoreError
                    ? error.message
                    : `Token store unavailable: ${messageOf(error)}`,
              },
            });
          }
        }
      });
    });

    const unwatch = store.watch((change) => {
      // Judged after the operation in flight: a store may announce this actor's own write
      // before the write returns its generation. The supervisor already answers its own
      // writes (store.saved); forwarding their echo would cost every commit a second pass
      // over all servers.
      enqueue(change.serverKey, () => {
        const generation = change.record?.generation;
        if (generation !== undefined && generation <= (known.get(change.serverKey) ?? 0)) return;
        if (generation !== undefined) note(change.serverKey, generation);
        report({ type: 'store.changed', serverKey: change.serverKey, record: change.record });
      });
    });
    return () => {
      stopped = true;
      unwatch();
    };
  });
}
