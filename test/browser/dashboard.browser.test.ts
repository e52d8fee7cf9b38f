/**
 * @module The dashboard in a real headless chromium against a real daemon: badges per OAuth
 * status; Login runs a flow against the OAuth test server and the row turns healthy without a
 * reload; Logout asks first; a broken authorization server shows as degraded, live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAuthUrl } from '../helpers/browser.js';
import { launchBrowser, type Browser } from './support/chromium.js';
import { startDashboardStack, type DashboardStack } from './support/stack.js';

let stack: DashboardStack;
let browser: Browser;

const row = (name: string) => browser.page.locator(`#servers tr[data-server="${name}"]`);
const badge = (name: string) => row(name).locator('.badge');
const button = (name: string, action: string) =>
  row(name).locator(`button[data-action="${action}"]`);

async function post(path: string): Promise<Response> {
  return fetch(`${stack.daemon.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
}

/** Clicks Login on `name`; the new tab runs the auto-approving flow to the proxy's callback. */
async function clickLogin(name: string): Promise<void> {
  const popup = browser.context.waitForEvent('page');
  await button(name, 'login').click();
  const tab = await popup;
  await row(name).locator('.level[data-level="healthy"]').waitFor({ timeout: 15_000 });
  await tab.close();
}

beforeAll(async () => {
  stack = await startDashboardStack();
  // beta: logged in once; its authorization server then refuses every refresh → Token expired.
  const login = (await (await post('/api/v1/servers/beta/login')).json()) as { auth_url: string };
  await followAuthUrl(login.auth_url);
  // gamma: a login attempt finds no OAuth metadata → Auth error.
  expect((await post('/api/v1/servers/gamma/login')).status).toBe(502);
  browser = await launchBrowser();
  await browser.page.goto(stack.url);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard page', () => {
  it('lists the servers with their health and OAuth badges', async () => {
    await expect.poll(() => badge('alpha').textContent()).toBe('Login required');
    await expect.poll(() => badge('beta').textContent(), { timeout: 10_000 }).toBe('Token expired');
    await expect.poll(() => badge('gamma').textContent()).toBe('Auth error');
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect(await row(name).locator('.level').getAttribute('data-level')).toBe('unhealthy');
      expect(await button(name, 'login').count()).toBe(1);
      expect(await button(name, 'logout').count()).toBe(0);
    }
    expect(await row('gamma').locator('.detail-text').first().textContent()).toContain(
      'no OAuth metadata',
    );
    await browser.screenshot('dashboard-badges');
  });

  it('numbers a retry the same in the Health and Token cells, and counts both down between reloads', async () => {
    // beta retries its refresh with a growing backoff; between retries no event reloads the page.
    const nextRetry = async () => {
      const views = (await (await fetch(`${stack.daemon.url}/api/v1/servers`)).json()) as Array<{
        name: string;
        oauth: { next_retry_at: string | null } | null;
      }>;
      const at = views.find((v) => v.name === 'beta')?.oauth?.next_retry_at;
      return at ? Date.parse(at) - Date.now() : 0;
    };
    await expect.poll(nextRetry, { timeout: 30_000, interval: 250 }).toBeGreaterThan(6_000);
    // The page shows that answer once it reloaded (the event of beta's latest retry asked it to).
    await browser.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1_500)));
    const read = async () => {
      const health = await row('beta').locator('td.health .detail-text').textContent();
      const token = await row('beta').locator('td.token').textContent();
      const h = /^Retry (\d+) in (\d+)s: /.exec(health ?? '');
      const t = /retry (\d+) in (\d+) s/.exec(token ?? '');
      expect(h, health ?? '').not.toBeNull();
      expect(t, token ?? '').not.toBeNull();
      return { retry: [h![1], t![1]], seconds: [Number(h![2]), Number(t![2])] };
    };
    const before = await read();
    expect(before.retry[0]).toBe(before.retry[1]);
    await browser.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 2_200)));
    const after = await read();
    expect(after.retry).toEqual(before.retry);
    expect(after.seconds[0]).toBe(after.seconds[1]);
    expect(after.seconds[0]).toBeLessThanOrEqual(before.seconds[0] - 2);
  });

  it('draws the statechart from the machine definition: every state a box, every transition a pill', async () => {
    const def = await (await fetch(`${stack.daemon.url}/api/v1/statecharts/upstream`)).json();
    const ids: string[] = [];
    const targets = new Set<string>();
    const walk = (id: string, node: Record<string, any>) => {
      ids.push(id);
      if (id !== 'upstream') {
        const lists = [
          ...Object.values(node.on ?? {}),
          ...Object.values(node.after ?? {}),
          node.always ?? [],
        ];
        for (const t of lists.flat() as Array<{ target?: string[] }>) {
          for (const target of t.target ?? []) targets.add(`${id}→${target.replace(/^#/, '')}`);
        }
      }
      for (const [key, child] of Object.entries(node.states ?? {}))
        walk(`${id}.${key}`, child as object);
    };
    walk('upstream', def);

    const chart = browser.page.locator('#chart');
    const boxes = await chart
      .locator('.st')
      .evaluateAll((els) => els.map((el) => (el as SVGElement).dataset.id));
    expect(boxes.sort()).toEqual(ids.sort());
    const pills = await chart
      .locator('.pill')
      .evaluateAll((els) =>
        els.map(
          (el) => `${(el as SVGElement).dataset.source}→${(el as SVGElement).dataset.target}`,
        ),
      );
    expect(new Set(pills)).toEqual(targets);
    expect(await chart.locator('text', { hasText: 'after refreshDelay' }).count()).toBeGreaterThan(
      0,
    );
  });

  it('Login completes a flow in a new tab and the row turns healthy without a reload', async () => {
    await browser.page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    // The button is held down while another server's row changes (gamma restarts): the press
    // must still count as a click on Login.
    await browser.page.evaluate(() => {
      const w = window as unknown as { otherRowChanged: Promise<void> };
      w.otherRowChanged = new Promise<void>((resolve) => {
        const observer = new MutationObserver((records) => {
          const changed = records.some(
            (r) => (r.target as Element).closest('tr')?.getAttribute('data-server') !== 'alpha',
          );
          if (changed) (observer.disconnect(), resolve());
        });
        observer.observe(document.querySelector('#servers tbody')!, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: ['data-signature'],
        });
      });
    });
    const box = (await button('alpha', 'login').boundingBox())!;
    await browser.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await browser.page.mouse.down();
    expect((await post('/api/v1/servers/gamma/restart')).status).toBeLessThan(300);
    await browser.page.evaluate(
      () => (window as unknown as { otherRowChanged: Promise<void> }).otherRowChanged,
    );
    const popup = browser.context.waitForEvent('page', { timeout: 10_000 });
    await browser.page.mouse.up();
    const tab = await popup;
    await row('alpha').locator('.level[data-level="healthy"]').waitFor({ timeout: 15_000 });
    await tab.close();

    expect(await badge('alpha').textContent()).toBe('Authenticated');
    expect(await button('alpha', 'login').count()).toBe(0);
    expect(await button('alpha', 'logout').count()).toBe(1);
    expect(
      await browser.page.evaluate(() => (window as unknown as { marker?: number }).marker),
    ).toBe(42);
    const active = browser.page.locator('#chart .st.active[data-id="upstream.authenticated"]');
    await active.waitFor();
  });

  it('a servers answer sent before a state change does not roll the row back when it arrives late', async () => {
    const page = browser.page;
    const held: Array<() => void> = [];
    let holding = true;
    const isServers = (url: string | URL) => new URL(url).pathname === '/api/v1/servers';
    await page.route(isServers, async (route) => {
      const response = await route.fetch(); // the daemon's answer as of now
      if (holding) await new Promise<void>((release) => held.push(release));
      await route.fulfill({ response });
    });
    try {
      // Any event makes the page reload the servers; that answer still says alpha is logged in.
      expect((await post('/api/v1/servers/gamma/restart')).status).toBeLessThan(300);
      await expect.poll(() => held.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect((await post('/api/v1/servers/alpha/logout')).status).toBe(200);
      await expect.poll(() => badge('alpha').textContent()).toBe('Login required');

      const finished = page.waitForEvent('requestfinished', {
        predicate: (request) => isServers(request.url()),
        timeout: 10_000,
      });
      held.shift()!();
      await finished;
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
      expect(await badge('alpha').textContent()).toBe('Login required');
    } finally {
      holding = false;
      for (const release of held.splice(0)) release();
      await page.unrouteAll({ behavior: 'wait' });
    }

    // Logged in again for the tests that follow.
    const login = (await (await post('/api/v1/servers/alpha/login')).json()) as {
      auth_url: string;
    };
    await followAuthUrl(login.auth_url);
    await expect
      .poll(() => badge('alpha').textContent(), { timeout: 10_000 })
      .toBe('Authenticated');
  });

  it('Logout asks for confirmation, then shows Login again', async () => {
    const dialogs: string[] = [];
    browser.page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await button('alpha', 'logout').click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toContain('Log out of alpha');
    expect(await badge('alpha').textContent()).toBe('Authenticated');

    browser.page.once('dialog', (dialog) => void dialog.accept());
    await button('alpha', 'logout').click();
    await button('alpha', 'login').waitFor();
    expect(await badge('alpha').textContent()).toBe('Login required');
  });

  it('a broken authorization server turns the badge and the highlighted state degraded, live', async () => {
    await clickLogin('alpha');
    stack.alphaAs.setFail({ mode: 'server_error' });

    // 8 s tokens, threshold 0.5: the refresh 4 s after login fails → degraded until expiry.
    await row('alpha').locator('.level[data-level="degraded"]').waitFor({ timeout: 10_000 });
    expect(await badge('alpha').textContent()).toBe('Refresh failing');
    await browser.page.locator('#chart .st.active[data-id="upstream.degraded"]').waitFor();
    await expect.poll(() => browser.page.locator('#log').textContent()).toContain('refresh failed');
    await browser.screenshot('dashboard-degraded');
    stack.alphaAs.setFail({ mode: 'none' });
  });

  it('a failed login says why once, without repeating the server name', async () => {
    const popup = browser.context.waitForEvent('page');
    await button('gamma', 'login').click();
    await popup; // the tab opened inside the click, closed again once the login failed
    const toast = browser.page.locator('#toast');
    await expect
      .poll(() => toast.textContent(), { timeout: 10_000 })
      .toMatch(/^Login of gamma failed: /);
    const text = (await toast.textContent())!;
    expect(text.match(/gamma/g)).toHaveLength(1);
    expect(text).not.toContain('Login failed:');
    expect(text).toContain('no OAuth metadata');
    // The 502 itself is logged by chromium as a failed resource load.
    const failedLoad = (e: string) => /status of 502/.test(e);
    browser.errors.splice(
      0,
      browser.errors.length,
      ...browser.errors.filter((e) => !failedLoad(e)),
    );
  });

  it('on a phone-wide screen the table scrolls in its own box, and words are not broken', async () => {
    const page = browser.page;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      const box = page.locator('section.servers');
      await box.evaluate((el) => (el.scrollLeft = el.scrollWidth));
      const restart = (await button('gamma', 'restart').boundingBox())!;
      expect(restart.x).toBeGreaterThanOrEqual(0);
      expect(restart.x + restart.width).toBeLessThanOrEqual(390);
      // Each word of the detail texts lies on one line.
      const broken = await page.locator('#servers .detail-text').evaluateAll((els) =>
        els.flatMap((el) => {
          const node = el.firstChild!;
          const text = node.textContent ?? '';
          const words = [...text.matchAll(/[A-Za-z]{2,}/g)];
          return words
            .filter((m) => {
              const range = document.createRange();
              range.setStart(node, m.index!);
              range.setEnd(node, m.index! + m[0].length);
              const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
              return tops.size > 1;
            })
            .map((m) => m[0]);
        }),
      );
      expect(broken).toEqual([]);
      await browser.screenshot('dashboard-narrow');
    } finally {
      await page.setViewportSize({ width: 1600, height: 1150 });
    }
  });

  it('ran without page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
