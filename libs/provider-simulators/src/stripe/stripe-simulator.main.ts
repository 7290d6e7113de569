// Runs the Stripe simulator as a process for local runs and end-to-end tests:
//   STRIPE_SECRET_KEY=sk_test_... STRIPE_WEBHOOK_SECRET=whsec_... STRIPE_SIM_WEBHOOK_URL=http://127.0.0.1:3002/... \
//   node dist/libs/provider-simulators/src/stripe/stripe-simulator.main.js
import { runSimulatorProcess } from '../simulator-process';
import { StripeSimulator } from './stripe-simulator';

runSimulatorProcess('stripe-simulator', (env) => {
  const secretKey = env.required('STRIPE_SECRET_KEY');
  const webhookSecret = env.required('STRIPE_WEBHOOK_SECRET');
  if (secretKey && !/^sk_test_\S+$/.test(secretKey)) env.problem('STRIPE_SECRET_KEY must be a test key (sk_test_...)');
  if (webhookSecret && !/^whsec_\S+$/.test(webhookSecret)) env.problem('STRIPE_WEBHOOK_SECRET must start with whsec_');
  const webhookUrl = env.optional('STRIPE_SIM_WEBHOOK_URL');
  if (webhookUrl !== undefined && !/^https?:\/\/\S+$/.test(webhookUrl)) {
    env.problem('STRIPE_SIM_WEBHOOK_URL must be an http(s) URL');
  }
  const port = env.port('STRIPE_SIM_PORT', 3103);
  return {
    create: (host) => new StripeSimulator({ secretKey, webhookSecret, webhookUrl, port, host }),
    details: (baseUrl) => ({ baseUrl, webhookUrl: webhookUrl ?? null }),
  };
});
