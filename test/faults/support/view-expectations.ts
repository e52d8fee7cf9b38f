/**
 * @module What a server's REST view shows while a refresh fault lasts (degraded, retrying, the
 * error named) and once it healed (healthy, no error, the retry count reset).
 */
import { expect } from 'vitest';
import type { ServerView } from '../../../machines/upstream/server-view.js';

/** Degraded while the access token is still valid, the error in health and OAuth status. */
export function expectDegraded(view: ServerView, error: RegExp): void {
  expect(view.state).toMatch(/^degraded\./);
  expect(view.oauth_status).toBe('retrying');
  expect(view.health).toMatchObject({
    level: 'degraded',
    summary: 'Token refresh pending',
    action: 'view_logs',
  });
  expect(view.health.detail).toMatch(error);
  expect(view.oauth?.last_error).toMatch(error);
}

/** Back to a scheduled refresh: healthy, no error left, retries reset. */
export function expectRecovered(view: ServerView): void {
  expect(view.state).toBe('authenticated.refreshScheduled');
  expect(view.health.level).toBe('healthy');
  expect(view.oauth?.retry_count).toBe(0);
  expect(view.oauth?.last_error).toBeNull();
}
