/**
 * A service config class that provider variables are mixed into (ServiceConfig or a subclass of it), so that each
 * service's config stays one flat class that loadConfig reads and validates at once.
 */
// TypeScript accepts a mixin's base only with a constructor taking `any[]`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConfigClass = new (...args: any[]) => object;

/** URL rules of the provider gateways and API origins: http(s), a host without a public suffix allowed (simulators). */
export const PROVIDER_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
