/** @module The small HTML pages the loopback callback answers the browser with. */

/** The page shown when the login worked. */
export function successPage(serverName: string): string {
  return page(
    'Login complete',
    `mcpproxy is now logged in to ${serverName}. You can close this tab.`,
  );
}

/** The page shown when the callback ended the login without tokens. */
export function errorPage(message: string): string {
  return page('Login failed', `${message} You can close this tab and start the login again.`);
}

/**
 * The page shown for a request that is not the login's callback: it changed nothing, and the
 * login in progress (if any) goes on, so it does not tell the user to start again.
 */
export function ignoredPage(message: string): string {
  return page('Request ignored', `${message} You can close this tab.`);
}

function page(title: string, text: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body style="font-family:sans-serif;margin:3em"><h1>${escape(title)}</h1>` +
    `<p>${escape(text)}</p></body></html>`
  );
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
