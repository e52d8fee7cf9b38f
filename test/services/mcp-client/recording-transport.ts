/** @module The direct transport as a connection builds it, recording what falls back to fetch. */
import { DirectHttpTransport } from '../../../services/mcp-client/direct-http.js';
import {
  createUpstreamFetch,
  type UpstreamFetchOptions,
} from '../../../services/mcp-client/upstream-fetch.js';

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
