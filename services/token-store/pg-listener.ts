/**
 * @module LISTEN on a dedicated PostgreSQL connection (a pooled one would be handed to other
 * queries and lose its LISTEN). When the connection drops it reconnects by itself with doubling
 * backoff and LISTENs again; the store then re-checks everything, since NOTIFYs sent meanwhile are
 * gone.
 */
import pg from 'pg';
import type { ClientConfig } from 'pg';

/** Options of `NotificationListener`. */
export interface NotificationListenerOptions {
  config: ClientConfig;
  channel: string;
  /** First reconnect delay (doubles per failed attempt). Default 250. */
  minMs?: number;
  /** Longest reconnect delay. Default 5000. */
  maxMs?: number;
  /**
   * How often the connection is probed with `SELECT 1` (a peer that vanished without closing
   * the socket is otherwise noticed only by TCP keepalive, minutes later). Default 15000.
   */
  heartbeatMs?: number;
  /** A NOTIFY on `channel` arrived with this payload. */
  onNotification(payload: string): void;
  /** LISTEN is in place; `first` is false after a reconnect. */
  onConnected(first: boolean): void;
  /** The connection failed or could not be made; a reconnect is scheduled. */
  onDisconnected(error: unknown): void;
}

/** Keeps one LISTENing connection alive until closed. */
export class NotificationListener {
  private client: pg.Client | undefined;
  private readonly lostClients = new WeakSet<pg.Client>();
  private attempt = 0;
  private everConnected = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Connects and LISTENs; on failure, keeps retrying in the background (it does not throw). */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      this.lostClients.add(client);
      await client.end().catch(() => undefined);
    }
  }

  private async connect(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    const client = new pg.Client(this.options.config);
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('Connection terminated')));
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload !== undefined) {
        this.options.onNotification(message.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.closed || this.lostClients.has(client)) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.lost(client, error));
    }, this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    const first = !this.everConnected;
    this.everConnected = true;
    this.options.onConnected(first);
  }

  /** Handles the end of `client`, once per client. */
  private lost(client: pg.Client, error: unknown): void {
    if (this.lostClients.has(client)) return;
    this.lostClients.add(client);
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.heartbeat);
    }
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.onDisconnected(error);
    const min = Math.max(1, this.options.minMs ?? 250);
    const max = Math.max(min, this.options.maxMs ?? 5000);
    const delay = Math.min(min * 2 ** this.attempt, max);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
