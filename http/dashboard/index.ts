/** @module The dashboard page and the inspection stream it (and anyone) can subscribe to. */
export { dashboardRoutes, DEMO_FAIL_MODES } from './dashboard-routes.js';
export type { DashboardDemo, DashboardOptions } from './dashboard-routes.js';
export { inspectRoutes } from './inspect-routes.js';
export type { InspectRoutesOptions } from './inspect-routes.js';
export { ASSETS_DIR, loadAssets } from './assets.js';
export type { Asset } from './assets.js';
