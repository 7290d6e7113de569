import { IsUrl, Matches, ValidateIf } from 'class-validator';
import { type ConfigClass, PROVIDER_URL } from './config-class';

const stripeClientEnabled = (config: { STRIPE_SECRET_KEY: string }): boolean => config.STRIPE_SECRET_KEY !== '';

/**
 * The STRIPE_* variables StripeClient needs: STRIPE_SECRET_KEY enables Stripe Checkout. Only the payment-gateway
 * reads them; Stripe's two sides share no variable (webhooks are signed with a secret of their own).
 */
export function StripeClientEnv<TBase extends ConfigClass>(Base: TBase) {
  class StripeClientEnv extends Base {
    /** Stripe secret API key (sk_test_/sk_live_, or a restricted rk_ key); setting it enables Stripe Checkout. */
    @ValidateIf(stripeClientEnabled)
    @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, {
      message: 'STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_, rk_live_)',
    })
    STRIPE_SECRET_KEY = '';

    /** Where the Stripe API lives: https://api.stripe.com (the default) or a simulator's origin. */
    @ValidateIf(stripeClientEnabled)
    @IsUrl(PROVIDER_URL, { message: 'STRIPE_API_BASE_URL must be an http(s) URL' })
    STRIPE_API_BASE_URL = 'https://api.stripe.com';
  }
  return StripeClientEnv;
}

/** The STRIPE_* variable StripeNotificationVerifier needs. Only the notification-ingest reads it. */
export function StripeWebhookEnv<TBase extends ConfigClass>(Base: TBase) {
  class StripeWebhookEnv extends Base {
    /**
     * The signing secret of our Stripe webhook endpoint (whsec_...); setting it enables Stripe webhooks. The whole
     * string, prefix included, is the HMAC key.
     */
    @ValidateIf((config: { STRIPE_WEBHOOK_SECRET: string }) => config.STRIPE_WEBHOOK_SECRET !== '')
    @Matches(/^whsec_\S+$/, {
      message: 'STRIPE_WEBHOOK_SECRET must be the webhook endpoint signing secret, whsec_... without whitespace',
    })
    STRIPE_WEBHOOK_SECRET = '';
  }
  return StripeWebhookEnv;
}
