/** What StripeClient needs from the merchant's Stripe account. */
export interface StripeClientConfig {
  /** The secret API key (sk_test_... / sk_live_..., or a restricted rk_...). */
  readonly secretKey: string;
  /**
   * Where the API lives: https://api.stripe.com (the default) or a simulator's base, e.g. http://127.0.0.1:3103.
   * Only scheme, host and port are used: the official client always calls /v1/... on that host.
   */
  readonly apiBaseUrl?: string;
  /**
   * The page Checkout sends the buyer back to. success_url gets `?order_no=<orderNo>&session_id=<the session id>`,
   * cancel_url `?order_no=<orderNo>&canceled=1`. Default: the origin of the request's notifyUrl + '/return'.
   */
  readonly returnUrl?: string;
  /** The clock for checkout expiry; injected so tests are deterministic. */
  readonly now?: () => Date;
  /** Per-request timeout of API calls in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /**
   * Automatic retries of failed API calls by the official client (default 2, the client's own default). POSTs
   * are retried with the same idempotency key, so a retry never opens a second session.
   */
  readonly maxNetworkRetries?: number;
  /**
   * Finds the Checkout Session id of an order (the sessionId createPayment returned, stored by the caller) when
   * queryPayment / closePayment are called without one. Stripe itself cannot look sessions up by
   * client_reference_id. Resolving undefined means no session was opened: 'not-found'.
   */
  readonly resolveSessionId?: (orderNo: string) => Promise<string | undefined>;
}

/** What StripeNotificationVerifier needs: the webhook endpoint's signing secret, no API key. */
export interface StripeVerifierConfig {
  /** The signing secret of the webhook endpoint (whsec_...): the whole string, prefix included, is the HMAC key. */
  readonly webhookSecret: string;
  /** How far a webhook's signed timestamp may be from `now`, in either direction (default 300 s, as Stripe's SDK). */
  readonly toleranceSeconds?: number;
  /** The clock for the webhook timestamp window; injected so tests cover skew and staleness. */
  readonly now?: () => Date;
}
