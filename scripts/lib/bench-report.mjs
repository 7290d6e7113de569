// The table `npm run bench` prints, the targets checked against a result, and `--compare a.json b.json`.

/** The speed targets, each as measured in the run against its raw reference. */
export function targetsOf(result) {
  const raw = result.raw.transactionsPerSecond;
  const idle = Object.values(result.memoryMb.idle);
  return {
    callbacksAckedAtLeastHalfRaw: result.closedLoop.callbacksAckedPerSecond >= 0.5 * raw,
    endToEndAtLeastThirdRaw: result.closedLoop.endToEndPaymentsPerSecond >= 0.33 * raw,
    ordersAndPaymentsAtLeastQuarterRaw: result.closedLoop.ordersAndPaymentsPerSecond >= 0.25 * raw,
    openLoopP99Under300Ms:
      result.openLoop.callbackToPaidP99Ms !== null &&
      result.openLoop.callbackToPaidP99Ms < 300 &&
      result.ratios.openLoopOffered >= 0.2,
    everyServiceIdleUnder120Mb: idle.every((mb) => mb < 120),
  };
}

const pad = (text, width) => String(text).padEnd(width);
const num = (value, digits = 1) => (value === null || value === undefined ? '-' : Number(value).toFixed(digits));
const mark = (ok) => (ok ? 'met' : 'NOT met');

export function printResults(r) {
  const raw = r.raw.transactionsPerSecond;
  const ratio = (value) => `${num(value / raw, 3)} x raw`;
  const rows = [
    ['raw reference (inbox+outbox tx/s)', num(raw, 0), ''],
    ['orders created/s', num(r.closedLoop.ordersCreatedPerSecond), ratio(r.closedLoop.ordersCreatedPerSecond)],
    ['payments started/s', num(r.closedLoop.paymentsStartedPerSecond), ratio(r.closedLoop.paymentsStartedPerSecond)],
    [
      'orders + payments /s',
      num(r.closedLoop.ordersAndPaymentsPerSecond),
      `${ratio(r.closedLoop.ordersAndPaymentsPerSecond)} (target 0.25: ${mark(r.targets.ordersAndPaymentsAtLeastQuarterRaw)})`,
    ],
    [
      'callbacks acknowledged/s',
      num(r.closedLoop.callbacksAckedPerSecond),
      `${ratio(r.closedLoop.callbacksAckedPerSecond)} (target 0.5: ${mark(r.targets.callbacksAckedAtLeastHalfRaw)})`,
    ],
    ['  ack p50 / p99 (ms)', `${num(r.closedLoop.ackP50Ms)} / ${num(r.closedLoop.ackP99Ms)}`, ''],
    [
      'end-to-end payments/s (PAID + posted)',
      num(r.closedLoop.endToEndPaymentsPerSecond),
      `${ratio(r.closedLoop.endToEndPaymentsPerSecond)} (target 0.33: ${mark(r.targets.endToEndAtLeastThirdRaw)})`,
    ],
    [
      '  callback->PAID p50/p99/p999 (ms)',
      `${num(r.closedLoop.callbackToPaidP50Ms, 0)} / ${num(r.closedLoop.callbackToPaidP99Ms, 0)} / ${num(r.closedLoop.callbackToPaidP999Ms, 0)}`,
      'closed loop',
    ],
    [
      `open loop: offered ${num(r.openLoop.offeredPerSecond, 0)}/s`,
      `sent ${num(r.openLoop.sentPerSecond)}/s`,
      `${num(r.ratios.openLoopOffered, 3)} x raw`,
    ],
    [
      '  callback->PAID p50/p99/p999 (ms)',
      `${num(r.openLoop.callbackToPaidP50Ms, 0)} / ${num(r.openLoop.callbackToPaidP99Ms, 0)} / ${num(r.openLoop.callbackToPaidP999Ms, 0)}`,
      `p99 < 300 ms at 0.2 x raw: ${mark(r.targets.openLoopP99Under300Ms)}`,
    ],
    ['CPU per payment, five services (ms)', num(r.cpuMsPerPayment), 'per payment PAID and posted'],
  ];
  const width = Math.max(...rows.map((row) => row[0].length)) + 2;
  process.stdout.write(`\nResults (${r.options.provider}, n=${r.options.n}, concurrency ${r.options.concurrency}):\n`);
  for (const [name, value, note] of rows) process.stdout.write(`  ${pad(name, width)}${pad(value, 22)}${note}\n`);
  // CPU ms per payment in each closed-loop phase (older result files have no phases).
  const phases = r.cpuMsPerPhase ?? { createAndStart: {}, callbackToPosted: {} };
  process.stdout.write(
    `\n  ${pad('process', 22)}${pad('CPU s', 10)}${pad('peak MB', 10)}${pad('idle MB', 10)}CPU ms/payment: create+start, callback->posted\n`,
  );
  const groups = [...Object.keys(r.cpuSeconds), ...(r.cpuMsPerPhase ? ['load generator'] : [])];
  for (const group of groups) {
    const idle = r.memoryMb.idle[group];
    process.stdout.write(
      `  ${pad(group, 22)}${pad(num(r.cpuSeconds[group] ?? null, 2), 10)}${pad(num(r.memoryMb.peak[group] ?? null, 0), 10)}${pad(idle === undefined ? '' : num(idle, 0), 10)}${num(phases.createAndStart[group] ?? null, 2)}, ${num(phases.callbackToPosted[group] ?? null, 2)}\n`,
    );
  }
  process.stdout.write(`  every service idle under 120 MB: ${mark(r.targets.everyServiceIdleUnder120Mb)}\n`);
}

/** Prints the main figures of two results side by side, with the change. */
export function compareResults(a, b, nameA, nameB) {
  const metrics = [
    ['raw reference tx/s', (r) => r.raw.transactionsPerSecond],
    ['orders + payments /s', (r) => r.closedLoop.ordersAndPaymentsPerSecond],
    ['callbacks acknowledged/s', (r) => r.closedLoop.callbacksAckedPerSecond],
    ['ack p99 ms', (r) => r.closedLoop.ackP99Ms],
    ['end-to-end payments/s', (r) => r.closedLoop.endToEndPaymentsPerSecond],
    ['closed callback->PAID p99 ms', (r) => r.closedLoop.callbackToPaidP99Ms],
    ['open callback->PAID p99 ms', (r) => r.openLoop.callbackToPaidP99Ms],
    ['CPU ms per payment', (r) => r.cpuMsPerPayment],
    ['callbacks acked / raw', (r) => r.ratios.callbacksAcked],
    ['end to end / raw', (r) => r.ratios.endToEnd],
  ];
  process.stdout.write(`  ${pad('metric', 32)}${pad(nameA, 28).slice(0, 28)}${pad(nameB, 28).slice(0, 28)}change\n`);
  for (const [name, get] of metrics) {
    const x = get(a);
    const y = get(b);
    const change = typeof x === 'number' && typeof y === 'number' && x !== 0 ? `${num(((y - x) / x) * 100)}%` : '-';
    process.stdout.write(`  ${pad(name, 32)}${pad(num(x, 2), 28)}${pad(num(y, 2), 28)}${change}\n`);
  }
}
