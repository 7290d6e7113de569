// Runs the Alipay simulator as a process for local runs and end-to-end tests:
//   ALIPAY_APP_ID=... ALIPAY_SELLER_ID=... ALIPAY_SIM_APP_PUBLIC_KEY=... ALIPAY_SIM_PRIVATE_KEY=... \
//   node dist/libs/provider-simulators/src/alipay/alipay-simulator.main.js
import { runSimulatorProcess } from '../simulator-process';
import { AlipaySimulator } from './alipay-simulator';

runSimulatorProcess('alipay-simulator', (env) => {
  const appId = env.required('ALIPAY_APP_ID');
  const sellerId = env.required('ALIPAY_SELLER_ID');
  const appPublicKey = env.required('ALIPAY_SIM_APP_PUBLIC_KEY');
  const alipayPrivateKey = env.required('ALIPAY_SIM_PRIVATE_KEY');
  const port = env.port('ALIPAY_SIM_PORT', 3100);
  return {
    create: (host) => new AlipaySimulator({ appId, sellerId, appPublicKey, alipayPrivateKey, port, host }),
    details: (baseUrl) => ({ baseUrl, gatewayUrl: `${baseUrl}/gateway.do`, appId }),
  };
});
