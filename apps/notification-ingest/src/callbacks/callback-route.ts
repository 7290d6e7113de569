import type { FastifyRequest } from 'fastify';
import { type ProviderName, isProviderName } from '@shop/contracts';

const CALLBACK_ROUTE = /^\/callbacks\/([a-z]+)$/;

/**
 * The provider whose callback route a route pattern is (as registered, e.g. "/callbacks/alipay"), or undefined.
 * Used when routes are registered, to give them their body limit.
 */
export function callbackRouteProvider(routeUrl: string | undefined): ProviderName | undefined {
  const provider = CALLBACK_ROUTE.exec(routeUrl ?? '')?.[1];
  return isProviderName(provider) ? provider : undefined;
}

/**
 * The provider whose callback handler this request will reach, decided on the route the router matched and
 * never on the raw URL: the router decodes percent-escapes and drops the query and fragment, so
 * "/callbacks/%61lipay", "/%63allbacks/alipay" and "/callbacks/alipay#x" all reach the Alipay handler, and every
 * check on a callback (source allowlist, rejection limit, body handling, answer format) must see them as such.
 * Valid from the onRequest hook on (routing happens before it).
 */
export function callbackProviderOf(request: FastifyRequest): ProviderName | undefined {
  return callbackRouteProvider(request.routeOptions.url);
}
