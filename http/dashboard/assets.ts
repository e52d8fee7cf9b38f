/**
 * @module The page's static files, read from `http/dashboard/assets/` next to this module (they
 * ship in the package; nothing is fetched from a CDN) and kept in memory after the first read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One static file, ready to serve. */
export interface Asset {
  body: Uint8Array;
  contentType: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** The default folder of the assets. */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/** Loads every servable file of `dir` (names only: no sub-folders, no traversal). */
export function loadAssets(dir: string = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = /^[a-z0-9][a-z0-9-]*\.([a-z]+)$/.exec(name)?.[1];
    const contentType = ext ? TYPES[ext] : undefined;
    if (contentType) assets.set(name, { body: readFileSync(`${dir}/${name}`), contentType });
  }
  return assets;
}
