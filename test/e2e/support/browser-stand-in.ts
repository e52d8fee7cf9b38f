/**
 * @module The `$BROWSER` stand-in for CLI logins: `node --import tsx browser-stand-in.ts URL`
 * follows the authorization URL to the loopback callback (test/helpers/browser.ts) and, when
 * `$E2E_BROWSER_LOG` names a file, appends what it saw as one JSON line.
 */
import { appendFile } from 'node:fs/promises';
import { followAuthUrl } from '../../helpers/browser.js';

const authUrl = process.argv[2];
if (!authUrl) {
  process.stderr.write('usage: browser-stand-in.ts AUTH_URL\n');
  process.exit(2);
}
const logPath = process.env.E2E_BROWSER_LOG;
try {
  const visit = await followAuthUrl(authUrl);
  const line = { auth_url: authUrl, callback_url: visit.callbackUrl, status: visit.callbackStatus };
  if (logPath) await appendFile(logPath, `${JSON.stringify(line)}\n`);
} catch (error) {
  if (logPath)
    await appendFile(logPath, `${JSON.stringify({ auth_url: authUrl, error: String(error) })}\n`);
  process.exitCode = 1;
}
