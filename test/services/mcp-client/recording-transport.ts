/** @module The direct transport as a connection builds it, recording what falls back to fetch. */
import { DirectHttpTransport } from '../../../services/mcp-client/direct-http.js';
import {
  createUpstreamFetch,
  type AuthAnswer,
  type UpstreamFetchOptions,
} from '../../../services/mcp-client/upstream-fetch.js';

/** What a connection gives its transport: config header `X-Team: blue`, bearer `token-1`. */
export function testUpstream(
  options: {
    headers?: Record<string, string>;
    onAuthAnswer?: (answer: AuthAnswer) => void;
    maxBodyBytes?: number;
  } = {},
): UpstreamFetchOptions & { maxBodyBytes: number } {
  return {
    headers: options.headers ?? { 'X-Team': 'blue' },
    accessToken: () => 'token-1',
    onAuthAnswer: options.onAuthAnswer ?? (() => undefined),
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
  };
}

/**
 * A DirectHttpTransport over the upstream fetch, as connections make it; the method of every
 * request that still goes through the fetch (not the direct path) is pushed onto `fetched`.
 */
export function recordingTransport(
  url: URL,
  upstream: UpstreamFetchOptions & { maxBodyBytes: number },
  fetched: string[],
): DirectHttpTransport {
  const fetchFn = createUpstreamFetch(upstream);
  return new DirectHttpTransport(
    url,
    (target, init) => {
      fetched.push(init?.method ?? 'GET');
      return fetchFn(target, init);
    },
    upstream,
  );
}
