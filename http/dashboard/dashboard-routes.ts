/**
 * @module `GET /`: the dashboard page (SPEC §7) and its files under `/dashboard/`: servers with
 * health, OAuth badges and Login/Logout/Restart, and each upstream's live statechart. Plain
 * HTML/JS/CSS from the package, so it works offline; a strict CSP allows nothing foreign.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { loadAssets, type Asset } from './assets.js';

/** Demo controls: the page shows "Break AS" / "Heal AS" buttons that switch the test server. */
export interface DashboardDemo {
  /** The OAuth test server's base URL (its `/__admin/fail` switches failures). */
  oauthServerUrl: string;
}

export interface DashboardOptions {
  /** Folder of the page's files (default: `assets/` next to this module). */
  assetsDir?: string;
  /** Set by `mcpproxy demo` only. */
  demo?: DashboardDemo;
}

/** Failure modes the demo buttons may switch to. */
export const DEMO_FAIL_MODES = ['none', 'server_error', 'unavailable', 'invalid_grant'] as const;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function serve(c: Context, asset: Asset | undefined): Response {
  if (!asset) return c.json({ error: { code: 'not_found', message: 'No such file.' } }, 404);
  return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': asset.contentType,
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
}

/** The page's routes, to mount with `app.route('/', dashboardRoutes())`. */
export function dashboardRoutes(options: DashboardOptions = {}): Hono {
  const app = new Hono();
  let assets: Map<string, Asset> | undefined;
  const asset = (name: string) => (assets ??= loadAssets(options.assetsDir)).get(name);

  app.get('/', (c) => serve(c, asset('index.html')));
  // One route for the page's files and its config: a static path beside `:file` in the same
  // segment makes Hono's RegExpRouter give up, and every request of the app (REST reads
  // included) would then be matched by the TrieRouter, which allocates on each match.
  app.get('/dashboard/:file', (c) => {
    const file = c.req.param('file');
    if (file === 'config.json')
      return c.json({ demo: options.demo ? { fail_modes: DEMO_FAIL_MODES } : null });
    return serve(c, asset(file));
  });
  app.post('/dashboard/demo/fail', async (c) => {
    const demo = options.demo;
    if (!demo) return c.json({ error: { code: 'not_found', message: 'Not a demo.' } }, 404);
    const body = (await c.req.json().catch(() => ({}))) as { mode?: unknown };
    const mode = DEMO_FAIL_MODES.find((m) => m === body.mode);
    if (!mode) {
      const known = DEMO_FAIL_MODES.join(', ');
      return c.json(
        { error: { code: 'bad_request', message: `mode must be one of ${known}.` } },
        400,
      );
    }
    const answer = await fetch(new URL('/__admin/fail', demo.oauthServerUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode }),
      signal: AbortSignal.timeout(5_000),
    });
    return c.json({ mode, ok: answer.ok }, answer.ok ? 200 : 502);
  });
  return app;
}
