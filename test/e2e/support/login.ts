/**
 * @module Logging a server in through a running daemon, the way the dashboard does it:
 * `POST /api/v1/servers/:name/login`, then the browser stand-in visits the `auth_url`.
 */
import { followAuthUrl, type BrowserVisit } from '../../helpers/browser.js';
import { post, waitForState, type ServerView } from './rest.js';

export interface DaemonLogin {
  authUrl: string;
  correlationId: string;
  visit: BrowserVisit;
  view: ServerView;
}

/** Starts the login over REST, completes it with the stand-in browser, waits for authenticated. */
export async function loginThroughDaemon(proxyUrl: string, name: string): Promise<DaemonLogin> {
  const started = await post(proxyUrl, `/api/v1/servers/${name}/login`);
  if (started.status !== 200 || !started.json?.auth_url) {
    throw new Error(`login of ${name} answered ${started.status}: ${JSON.stringify(started.json)}`);
  }
  const visit = await followAuthUrl(started.json.auth_url);
  const view = await waitForState(proxyUrl, name, 'authenticated');
  return {
    authUrl: started.json.auth_url,
    correlationId: started.json.correlation_id,
    visit,
    view,
  };
}
