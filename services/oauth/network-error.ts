/**
 * @module Recognizes network-level failures (refused, reset, DNS, TLS, timeout) in whatever
 * `fetch`, undici or node:net threw, and names them in words.
 */

export type NetworkKind =
  'refused' | 'reset' | 'dns' | 'tls' | 'timeout' | 'unreachable' | 'network';

/** A network failure in words: `kind` for decisions, `text` for messages. */
export interface NetworkProblem {
  kind: NetworkKind;
  text: string;
}

const BY_CODE: Record<string, NetworkKind> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
};

const TEXT: Record<NetworkKind, string> = {
  refused: 'connection refused',
  reset: 'connection reset',
  dns: 'DNS lookup failed',
  tls: 'TLS handshake failed',
  timeout: 'timed out',
  unreachable: 'host unreachable',
  network: 'network error',
};

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** True when `error` is an abort caused by a caller's signal (not a timeout). */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** True when `error` is the reason of an `AbortSignal.timeout` that fired. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/**
 * Answers the network problem behind `error` (walking its `cause` chain), or null when the
 * failure is not a network-level one.
 */
export function networkProblem(error: unknown): NetworkProblem | null {
  if (isTimeout(error)) return problem('timeout');
  let current: unknown = error;
  let sawFetchFailed = false;
  for (let depth = 0; depth < 6 && current instanceof Object; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (BY_CODE[code]) return problem(BY_CODE[code], code);
      if (TLS_CODE.test(code)) return problem('tls', code);
    }
    if (current instanceof TypeError && current.message === 'fetch failed') sawFetchFailed = true;
    current = (current as { cause?: unknown }).cause;
  }
  return sawFetchFailed ? problem('network') : null;
}

function problem(kind: NetworkKind, code?: string): NetworkProblem {
  const detail = kind === 'tls' && code ? ` (${code})` : '';
  return { kind, text: `${TEXT[kind]}${detail}` };
}
