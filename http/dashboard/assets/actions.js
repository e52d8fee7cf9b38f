// mcpproxy dashboard: what the Login, Logout and Restart buttons do.
import { api, ApiKeyError, keyAdvice, toast } from './api.js';

const path = (name, action) => `/api/v1/servers/${encodeURIComponent(name)}/${action}`;

/**
 * Why an action on `name` failed, said once: the API prefixes its messages with the server's name
 * (and a failed login's reason with "Login failed: "), which the toast already says.
 */
export function reasonOf(error, name) {
  if (error instanceof ApiKeyError) return keyAdvice(error);
  const prefixes = [`${name}: `, 'Login failed: '];
  let text = error.message;
  for (let cut; (cut = prefixes.find((p) => text.startsWith(p)));) text = text.slice(cut.length);
  return text || error.message;
}

/**
 * Starts (or joins) the server's login and opens its authorization URL in a new tab. The tab is
 * opened at once, inside the click, so that popup blockers let it through.
 */
export async function login(name) {
  const tab = window.open('about:blank', '_blank');
  try {
    const answer = await api(path(name, 'login'), { method: 'POST', body: {} });
    if (!answer.auth_url) {
      tab?.close();
      toast(`${name} is already authenticated.`);
      return;
    }
    if (tab) {
      tab.opener = null;
      tab.location.href = answer.auth_url;
      toast(`Complete the login of ${name} in the new tab.`);
    } else {
      toast(`Open this URL to log in: ${answer.auth_url}`);
    }
  } catch (error) {
    tab?.close();
    toast(`Login of ${name} failed: ${reasonOf(error, name)}`);
  }
}

/** Asks first; then deletes the stored tokens. */
export async function logout(name) {
  if (
    !window.confirm(
      `Log out of ${name}? Its stored tokens are deleted and it will need a new login.`,
    )
  )
    return;
  try {
    await api(path(name, 'logout'), { method: 'POST', body: {} });
    toast(`Logged out of ${name}.`);
  } catch (error) {
    toast(`Logout of ${name} failed: ${reasonOf(error, name)}`);
  }
}

/** Reconnects the server. */
export async function restart(name) {
  try {
    await api(path(name, 'restart'), { method: 'POST', body: {} });
    toast(`Restarting ${name}.`);
  } catch (error) {
    toast(`Restart of ${name} failed: ${reasonOf(error, name)}`);
  }
}

/** Switches the demo authorization server's failure mode. */
export async function demoFail(mode) {
  try {
    await api('/dashboard/demo/fail', { method: 'POST', body: { mode } });
    toast(
      mode === 'none'
        ? 'The authorization server works again.'
        : `The authorization server now fails (${mode}).`,
    );
    return true;
  } catch (error) {
    toast(`Could not switch the authorization server: ${error.message}`);
    return false;
  }
}
