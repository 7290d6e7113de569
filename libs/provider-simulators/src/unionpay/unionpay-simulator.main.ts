// Runs the UnionPay simulator as a process for local runs and end-to-end tests:
//   UNIONPAY_MER_ID=... UNIONPAY_SIM_MERCHANT_CERT=... UNIONPAY_SIM_SIGN_KEY=... UNIONPAY_SIM_SIGN_CERT=... \
//   UNIONPAY_SIM_MIDDLE_CERT=... node dist/libs/provider-simulators/src/unionpay/unionpay-simulator.main.js
// PEM values may carry literal "\n" sequences (as env files do). Only the 'valid' leaf is available this way: the
// other leaf variants need the CA keys, which a process configured from env does not have.
import { X509Certificate } from 'node:crypto';
import { runSimulatorProcess } from '../simulator-process';
import { UnionPaySimulator } from './unionpay-simulator';

runSimulatorProcess('unionpay-simulator', (env) => {
  const pem = (name: string): string => env.required(name).replace(/\\n/g, '\n');
  const merId = env.required('UNIONPAY_MER_ID');
  const merchantCert = pem('UNIONPAY_SIM_MERCHANT_CERT');
  const signKey = pem('UNIONPAY_SIM_SIGN_KEY');
  const signCert = pem('UNIONPAY_SIM_SIGN_CERT');
  const middleCert = pem('UNIONPAY_SIM_MIDDLE_CERT');
  const port = env.port('UNIONPAY_SIM_PORT', 3102);
  if (signCert && middleCert) {
    try {
      // Catch a mismatched pair at start rather than as a rejected notification later.
      if (!new X509Certificate(signCert).checkIssued(new X509Certificate(middleCert))) {
        env.problem('UNIONPAY_SIM_SIGN_CERT is not issued by UNIONPAY_SIM_MIDDLE_CERT');
      }
    } catch {
      env.problem('UNIONPAY_SIM_SIGN_CERT and UNIONPAY_SIM_MIDDLE_CERT must be PEM certificates');
    }
  }
  return {
    create: (host) => new UnionPaySimulator({ merId, merchantCert, signKey, signCert, port, host }),
    details: (baseUrl) => ({ baseUrl, gatewayUrl: baseUrl, merId }),
  };
});
