/** Backend names without importing tfjs, so the page's bundle stays free of it (tfjs runs in the worker). */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendPreference = BackendName | 'auto';
