/**
 * @module Whether the PostgreSQL store can be reached right now, from what its queries and its
 * listener connection last saw; changes are logged once and told to subscribers (the supervisor
 * reports "Token store unavailable").
 */

/** The logging surface the PostgreSQL store needs (a pino `Logger` fits). */
export interface PgStoreLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Told about every change: `reason` is the outage sentence while unavailable, else null. */
export type AvailabilityListener = (available: boolean, reason: string | null) => void;

/** Tracks availability; `down`/`up` are idempotent, only changes are logged and announced. */
export class Availability {
  private available = true;
  private readonly listeners = new Set<AvailabilityListener>();

  constructor(
    private readonly logger: PgStoreLogger,
    private readonly fields: Record<string, unknown>,
  ) {}

  get isAvailable(): boolean {
    return this.available;
  }

  /** PostgreSQL answered. */
  up(): void {
    if (this.available) return;
    this.available = true;
    this.logger.info(this.fields, 'Token store available again');
    this.announce(null);
  }

  /** PostgreSQL could not be reached; `reason` is the outage sentence. */
  down(reason: string): void {
    if (!this.available) return;
    this.available = false;
    this.logger.warn({ ...this.fields, error: reason }, 'Token store unavailable');
    this.announce(reason);
  }

  /** Adds a listener; returns unsubscribe. */
  subscribe(listener: AvailabilityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clear(): void {
    this.listeners.clear();
  }

  private announce(reason: string | null): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(this.available, reason);
      } catch (error) {
        this.logger.error(
          { ...this.fields, err: error },
          'Token store availability listener failed',
        );
      }
    }
  }
}
