/** @module The help texts of `mcpproxy auth` and of each of its subcommands. */

const CLIENT_OPTIONS = `  --url URL        the daemon (default: $MCPPROXY_URL, else the config's listen address)
  --config F       config file (default: $MCPPROXY_CONFIG, else <data-dir>/mcp_config.json)
  --data-dir D     data directory (default: $MCPPROXY_DATA_DIR, else ~/.mcpproxy)
  -h, --help       show this help`;

export const AUTH_HELP = `Usage:
  mcpproxy auth login --server NAME [--no-browser] [--force] [--timeout 300s]
  mcpproxy auth logout (--server NAME | --all)
  mcpproxy auth status [-o table|json]

login   asks the running daemon to start the OAuth flow (or runs it itself when no daemon
        answers), prints the URL, opens the browser and waits until the server is authenticated.
logout  removes the stored tokens (the client registration is kept).
status  shows each server's token status; never prints a secret.

Each also takes --url URL, --config F and --data-dir D.
Run "mcpproxy auth <command> --help" for a command's options.`;

export const AUTH_LOGIN_HELP = `Usage: mcpproxy auth login --server NAME [--no-browser] [--force] [--timeout 300s] [--url URL] [--config F] [--data-dir D]

Asks the running daemon to start the OAuth flow of NAME (or joins the one already running);
with no daemon answering, runs the flow itself and stores the token in the data dir. Prints the
URL on stderr, opens the browser ($BROWSER honoured) and waits until the server is
authenticated. Ctrl-C stops waiting (exit 130); a daemon's flow keeps running.
  --server NAME    the server to log in to (required)
  --no-browser     only print the URL (also when HEADLESS or NO_BROWSER is set)
  --force          log in again even when the server has a valid token
  --timeout D      how long to wait, 1s to 24h: 300s (default), 5m, 1h, or 90 (seconds)
${CLIENT_OPTIONS}`;

export const AUTH_LOGOUT_HELP = `Usage: mcpproxy auth logout (--server NAME | --all) [--url URL] [--config F] [--data-dir D]

Removes the stored tokens (the client registration is kept); through the daemon the server
also disconnects and waits for a new login. A server with nothing stored is already logged out.
  --server NAME    the server to log out
  --all            every server that uses OAuth
${CLIENT_OPTIONS}`;

export const AUTH_STATUS_HELP = `Usage: mcpproxy auth status [-o table|json] [--url URL] [--config F] [--data-dir D]

Shows every configured server's token status (by name), never a token or secret: what the
daemon's actors know, or what the token store holds when no daemon answers.
  -o table|json    table (default), or one JSON object per server
${CLIENT_OPTIONS}`;
