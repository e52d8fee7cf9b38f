/**
 * @module The dashboard of a daemon with an `api_key`, in a real headless chromium: what the page
 * says without the key or with a wrong one, the key leaving the address bar, servers added to the
 * config while serve runs, a disabled server, and an action while the daemon is down.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../cli/daemon.js';
import { createLogger } from '../../services/logger/index.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { launchBrowser, type Browser } from './support/chromium.js';

const KEY = 'dashboard-test-key';
/** Nothing listens on port 9: a server pointed here is refused and keeps retrying. */
const NOWHERE = 'http://127.0.0.1:9/mcp';
const logger = createLogger({ level: 'error', destination: { write: () => {} } });

let dataDir: string;
let configPath: string;
let daemon: Daemon | undefined;
let browser: Browser;

const writeConfig = (mcpServers: object) =>
  writeFile(configPath, JSON.stringify({ api_key: KEY, mcpServers }));
const storedKey = () => browser.page.evaluate(() => sessionStorage.getItem('mcpproxy.apikey'));
const problem = () => browser.page.locator('#problem');
const conn = () => browser.page.locator('#conn');
const row = (name: string) => browser.page.locator(`#servers tr[data-server="${name}"]`);

beforeAll(async () => {
  dataDir = await makeTmpDir('mcpproxy-browser-access-');
  configPath = join(dataDir, 'mcp_config.json');
  await writeConfig({});
  daemon = await startDaemon({ configPath, dataDir, listen: '127.0.0.1:0', logger });
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  if (dataDir) await removeTmpDir(dataDir);
});

describe('the dashboard of a daemon with an api_key', () => {
  it('without a key, says to open the page as /?apikey=KEY and the badge says a key is needed', async () => {
    await browser.page.goto(daemon!.url);
    await problem().waitFor();
    const text = await problem().textContent();
    expect(text).toContain('needs an API key');
    expect(text).toContain('/?apikey=KEY');
    expect(text).not.toContain('Cannot reach');
    await expect.poll(() => conn().textContent()).toBe('API key needed');
    expect(await conn().getAttribute('data-state')).toBe('unauthorized');
  });

  it('with a wrong key, says the key was rejected and does not keep it in the tab', async () => {
    await browser.page.goto(`${daemon!.url}/?apikey=wrong`);
    await expect.poll(() => problem().textContent()).toContain('rejected the API key');
    expect(await problem().textContent()).toContain('/?apikey=KEY');
    await expect.poll(() => conn().textContent()).toBe('API key rejected');
    expect(await storedKey()).toBeNull();
  });

  it('takes the key out of the address bar once read, and keeps it for reloads of the tab', async () => {
    await browser.page.goto(`${daemon!.url}/?apikey=${KEY}&view=x#top`);
    await browser.page.locator('#empty').waitFor();
    expect(browser.page.url()).toBe(`${daemon!.url}/?view=x#top`);
    expect(await storedKey()).toBe(KEY);
    expect(await problem().isHidden()).toBe(true);
    await conn().and(browser.page.locator('[data-state="live"]')).waitFor();

    await browser.page.reload();
    await browser.page.locator('#empty').waitFor();
    await conn().and(browser.page.locator('[data-state="live"]')).waitFor();
    expect(await problem().isHidden()).toBe(true);
  });

  it('with no servers, says that servers added to the config start while serve runs', async () => {
    const empty = (await browser.page.locator('#empty').textContent())!.replace(/\s+/g, ' ');
    expect(empty).toContain('while it runs');
    expect(empty).not.toContain('restart');
  });

  it('shows servers added to the config while serve runs, without a reload', async () => {
    await writeConfig({
      off: { url: NOWHERE, enabled: false },
      down: { url: NOWHERE },
    });
    await row('off').waitFor({ timeout: 10_000 });
    await row('down').waitFor({ timeout: 10_000 });
    expect(await browser.page.locator('#empty').isHidden()).toBe(true);
  });

  it('says a disabled server is disabled in the config, with no button', async () => {
    await expect.poll(() => row('off').getAttribute('data-state')).toBe('idle');
    expect(await row('off').locator('.detail-text').textContent()).toBe(
      'Disabled in the config file',
    );
    expect(await row('off').locator('button').count()).toBe(0);
  });

  it('while the daemon is down, Restart says that the daemon cannot be reached', async () => {
    const restart = row('down').locator('button[data-action="restart"]');
    await restart.waitFor();
    await daemon!.stop();
    daemon = undefined;
    await conn().and(browser.page.locator(':not([data-state="live"])')).waitFor();

    await restart.click();
    const toast = browser.page.locator('#toast');
    await expect.poll(() => toast.textContent()).toContain('Restart of down failed');
    expect(await toast.textContent()).toBe(
      'Restart of down failed: the daemon cannot be reached (is mcpproxy serve running?)',
    );
  });
});
