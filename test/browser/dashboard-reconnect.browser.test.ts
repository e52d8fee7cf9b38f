/**
 * @module The dashboard across a daemon restart, in a real headless chromium: the page's event
 * stream reconnects by itself, and the servers it missed while the daemon was down (a server
 * added to the config, states reached before the stream was back) are shown without a reload.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../cli/daemon.js';
import { createLogger } from '../../services/logger/index.js';
import { makeTmpDir, removeTmpDir } from '../helpers/tmp-dir.js';
import { launchBrowser, type Browser } from './support/chromium.js';

const logger = createLogger({ level: 'error', destination: { write: () => {} } });
/** Disabled servers (state `idle`) send no event of their own after the start. */
const NOWHERE = 'http://127.0.0.1:9/mcp';

let dataDir: string | undefined;
let daemon: Daemon | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  if (dataDir) await removeTmpDir(dataDir);
});

async function start(names: string[], listen: string): Promise<Daemon> {
  const configPath = join(dataDir!, 'mcp_config.json');
  const mcpServers = Object.fromEntries(
    names.map((name) => [name, { url: NOWHERE, enabled: false }]),
  );
  await writeFile(configPath, JSON.stringify({ mcpServers }));
  return startDaemon({ configPath, dataDir: dataDir!, listen, logger });
}

it('shows what changed while the daemon was down once its event stream is back', async () => {
  dataDir = await makeTmpDir('mcpproxy-browser-reconnect-');
  daemon = await start(['alpha'], '127.0.0.1:0');
  const { port } = new URL(daemon.url);
  browser = await launchBrowser();
  const page = browser.page;
  await page.goto(daemon.url);
  const names = () =>
    page
      .locator('#servers tr[data-server]')
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.server));
  await expect.poll(names).toEqual(['alpha']);
  await page.locator('#conn[data-state="live"]').waitFor();

  await daemon.stop();
  daemon = undefined;
  await page.locator('#conn:not([data-state="live"])').waitFor({ timeout: 10_000 });
  daemon = await start(['alpha', 'beta'], `127.0.0.1:${port}`);

  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
  await expect.poll(names, { timeout: 5_000 }).toEqual(['alpha', 'beta']);
  await expect
    .poll(() => page.locator('#servers tr[data-server="beta"]').getAttribute('data-state'))
    .toBe('idle');
  expect(browser.errors.filter((e) => !e.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
}, 60_000);
