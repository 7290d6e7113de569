// Runs the WeChat Pay simulator as a process for local runs and end-to-end tests:
//   WECHATPAY_APP_ID=... WECHATPAY_MCH_ID=... WECHATPAY_API_V3_KEY=... WECHATPAY_SIM_MERCHANT_PUBLIC_KEY=... \
//   WECHATPAY_SIM_MERCHANT_CERT_SERIAL=... WECHATPAY_SIM_PRIVATE_KEY=... WECHATPAY_SIM_PUBLIC_KEY_ID=PUB_KEY_ID_... \
//   node dist/libs/provider-simulators/src/wechatpay/wechatpay-simulator.main.js
import { runSimulatorProcess } from '../simulator-process';
import { WechatPaySimulator } from './wechatpay-simulator';

runSimulatorProcess('wechatpay-simulator', (env) => {
  const appId = env.required('WECHATPAY_APP_ID');
  const mchId = env.required('WECHATPAY_MCH_ID');
  // Not trimmed: the length check must see the real value.
  const apiV3Key = process.env['WECHATPAY_API_V3_KEY'] ?? '';
  if (apiV3Key.length !== 32) env.problem('WECHATPAY_API_V3_KEY must be 32 ASCII characters');
  const merchantPublicKey = env.required('WECHATPAY_SIM_MERCHANT_PUBLIC_KEY');
  const merchantCertSerial = env.required('WECHATPAY_SIM_MERCHANT_CERT_SERIAL');
  const platformPrivateKey = env.required('WECHATPAY_SIM_PRIVATE_KEY');
  const platformSerial = env.required('WECHATPAY_SIM_PUBLIC_KEY_ID');
  const port = env.port('WECHATPAY_SIM_PORT', 3101);
  return {
    create: (host) =>
      new WechatPaySimulator({
        appId,
        mchId,
        apiV3Key,
        merchantPublicKey,
        merchantCertSerial,
        platformPrivateKey,
        platformSerial,
        port,
        host,
      }),
    details: (baseUrl) => ({ baseUrl, appId, mchId, platformSerial }),
  };
});
