/** Stable codes of simulator failures. */
export type SimulatorErrorCode =
  | 'SIMULATOR_KEY_INVALID'
  | 'SIMULATOR_NOT_STARTED'
  | 'SIMULATOR_TRADE_NOT_FOUND'
  | 'SIMULATOR_TRADE_CLOSED'
  | 'SIMULATOR_DELIVERY_FAILED'
  | 'SIMULATOR_CONFIG_INVALID';

/** A misuse of a provider simulator or a failed delivery to the service under test. */
export class SimulatorError extends Error {
  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatorError';
  }
}
