/**
 * @module A `@statelyai/inspect` adapter that sends Stately inspection events over a WebSocket
 * (the wire format of the library's WebSocket inspector: one JSON text frame per event). Unlike
 * the library's own, it never holds the process open, reconnects after any close (every 5 s),
 * stops for good on `stop()`, and drops events rather than buffer without bound.
 */
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import WebSocket from 'ws';

export interface WsAdapterOptions {
  url: string;
  /** Wait between connection attempts (default 5 000 ms). */
  retryMs?: number;
  /** Events kept while disconnected; the oldest are dropped (default 200). */
  maxBuffered?: number;
  /** Beyond this many bytes queued on the socket, new events are dropped (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Connection news: `open`, the first failure of a series, or a lost connection. */
  onStatus?: (status: 'open' | 'unreachable' | 'closed', detail?: string) => void;
}

/** The adapter; pass it to `createInspector(adapter, options)`. */
export class WsInspectorAdapter {
  private ws: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private wasOpen = false;
  private failing = false;
  private readonly buffer: string[] = [];

  constructor(private readonly options: WsAdapterOptions) {}

  start(): void {
    this.stopped = false;
    if (!this.ws && !this.timer) this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
  }

  send(event: StatelyInspectionEvent): void {
    let text: string;
    try {
      text = JSON.stringify(event);
    } catch {
      return;
    }
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > (this.options.maxQueuedBytes ?? 4 * 1024 * 1024)) return;
      ws.send(text, () => {});
      return;
    }
    this.buffer.push(text);
    const max = this.options.maxBuffered ?? 200;
    if (this.buffer.length > max) this.buffer.splice(0, this.buffer.length - max);
  }

  private connect(): void {
    this.timer = null;
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.options.url);
    } catch (error) {
      this.options.onStatus?.('unreachable', (error as Error).message);
      return;
    }
    this.ws = ws;
    ws.on('open', () => {
      this.wasOpen = true;
      this.failing = false;
      this.options.onStatus?.('open');
      for (const text of this.buffer.splice(0)) ws.send(text, () => {});
    });
    ws.on('error', (error) => {
      if (!this.wasOpen && !this.failing) this.options.onStatus?.('unreachable', error.message);
      this.failing = true;
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.wasOpen) this.options.onStatus?.('closed');
      this.wasOpen = false;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), this.options.retryMs ?? 5_000);
      this.timer.unref();
    });
    ws.on('message', () => {});
  }
}
