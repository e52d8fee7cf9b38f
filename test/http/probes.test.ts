/**
 * @module Contract tests of `/healthz`, `/readyz` (SPEC §3b shape, starting vs ready), `/metrics`
 * (every SPEC §9 metric) and `/api/v1/statecharts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeApp, makeApp, type TestApp } from './support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await closeApp(t);
  t = undefined;
});

describe('probes', () => {
  it('/healthz answers ok', async () => {
    t = await makeApp();
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 ready with the exact SPEC §3b shape while the supervisor runs', async () => {
    t = await makeApp({ storeKind: 'postgres', replicaId: 'host-abc123' });
    const res = await t.app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      store: 'postgres',
      replica_id: 'host-abc123',
      store_available: true,
    });
  });

  it('/readyz reports the store outage the supervisor knows of, and stays ready', async () => {
    t = await makeApp();
    t.world.supervisor.send({ type: 'store.availability', available: false });
    const res = await t.app.request('/readyz');
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).store_available).toBe(false);
  });

  it('/readyz answers 503 starting before the supervisor runs', async () => {
    t = await makeApp({}, { holdLoads: true });
    expect(t.world.supervisor.getSnapshot().value).toBe('starting');
    const res = await t.app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'starting',
      store: 'lmdb',
      replica_id: 'test-replica-1',
      store_available: true,
    });
  });
});

describe('/metrics', () => {
  const names = [
    'mcpproxy_oauth_refresh_total',
    'mcpproxy_oauth_refresh_duration_seconds',
    'mcpproxy_upstream_state',
    'mcpproxy_upstream_health',
    'mcpproxy_oauth_token_expiry_seconds',
    'mcpproxy_tool_calls_total',
    'mcpproxy_tool_call_duration_seconds',
  ];

  it('serves the Prometheus text with every SPEC §9 metric, refreshing gauges first', async () => {
    let scrapes = 0;
    t = await makeApp({
      beforeMetricsScrape: () => {
        scrapes += 1;
        t!.world.observer.updateTimedGauges();
      },
    });
    const res = await t.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of names) expect(text).toContain(`# TYPE ${name} `);
    expect(scrapes).toBe(1);
    expect(text).toMatch(/mcpproxy_upstream_state\{server="github",state="authenticated"\} 1/);
    expect(text).toMatch(/mcpproxy_oauth_token_expiry_seconds\{server="github"\} 3600/);
  });
});

describe('/api/v1/statecharts', () => {
  it('answers every machine definition', async () => {
    t = await makeApp();
    const body = (await (await t.app.request('/api/v1/statecharts')).json()) as any;
    expect(Object.keys(body).sort()).toEqual(['supervisor', 'upstream']);
  });

  it('answers one machine, and 404 for an unknown one', async () => {
    t = await makeApp();
    const one = await t.app.request('/api/v1/statecharts/upstream');
    expect(one.status).toBe(200);
    expect(((await one.json()) as any).id).toBe('upstream');
    for (const name of ['nope', 'constructor', '__proto__']) {
      const res = await t.app.request(`/api/v1/statecharts/${name}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as any).error.code).toBe('not_found');
    }
  });
});
