/**
 * @module Subscribing to a running proxy's `/api/v1/events` SSE stream (parsed with the HTTP
 * tests' SseReader), closed by the e2e world's cleanup.
 */
import { SseReader } from '../../http/support/sse.js';
import type { E2eWorld } from './world.js';

export type { SseMessage } from '../../http/support/sse.js';
export { SseReader };

/** Opens the event stream; it is aborted when the world is cleaned up. */
export async function subscribeEvents(world: E2eWorld, proxyUrl: string): Promise<SseReader> {
  const controller = new AbortController();
  world.defer(() => controller.abort());
  const res = await fetch(`${proxyUrl}/api/v1/events`, { signal: controller.signal });
  if (!res.ok) throw new Error(`/api/v1/events answered ${res.status}`);
  return new SseReader(res);
}
