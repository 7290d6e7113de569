// Public API of @shop/provider-simulators: faithful fake payment providers for tests and local runs.
export { SimulatorError } from './simulator-error';
export type { SimulatorErrorCode } from './simulator-error';
export { generateAlipayKeys } from './alipay/alipay-keys';
export type { AlipayAppKeys, AlipayKeys, AlipayPlatformKeys } from './alipay/alipay-keys';
export { AlipaySimulator } from './alipay/alipay-simulator';
export type {
  AlipayPayOptions,
  AlipayPayResult,
  AlipaySimulatedTrade,
  AlipaySimulatorOptions,
  AlipayTradeStatus,
  NotificationDelivery,
} from './alipay/alipay-simulator';
