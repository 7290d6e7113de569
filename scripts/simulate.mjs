// `npm run simulate -- <provider> <action> <orderNo>`: drives the local provider simulators that `npm start`
// runs, as a provider would: pay an order (a correctly signed callback), send duplicates, tampered or replayed
// copies. The order must have a payment started with that provider (the simulator knows the trade from it).
const USAGE = `Usage: npm run simulate -- <provider> <action> <orderNo>
  providers: alipay
  actions:
    pay        one correctly signed payment notification
    duplicate  the same notification 10 times at once (expect 10 x acknowledged, one effect)
    tamper     total_amount changed after signing (expect a rejection)
    replay     the notification again later, as a provider retry (expect acknowledged, no new effect)
    late       a notification for the order after it was paid or cancelled (recorded, never applied twice)`;

const ACTIONS = {
  pay: {},
  duplicate: { concurrent: 10 },
  tamper: { tamper: { total_amount: '0.01' } },
  replay: { times: 1 },
  late: { times: 1 },
};
const SIMULATORS = { alipay: () => `http://127.0.0.1:${process.env.ALIPAY_SIM_PORT ?? 3100}/_simulator/alipay/trades` };

async function main() {
  const [provider, action, orderNo] = process.argv.slice(2);
  if (!SIMULATORS[provider] || !ACTIONS[action] || !/^[A-Za-z0-9]{8,32}$/.test(orderNo ?? '')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const url = `${SIMULATORS[provider]()}/${orderNo}/pay`;
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ACTIONS[action]),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    process.stderr.write(`The ${provider} simulator does not answer at ${url}. Is \`npm start\` running?\n`);
    process.exit(1);
  }
  const text = await response.text();
  if (!response.ok) {
    process.stderr.write(`The simulator refused (${response.status}): ${text}\n`);
    process.exit(1);
  }
  const result = JSON.parse(text);
  const deliveries = result.deliveries ?? [result];
  const summary = deliveries.map((d) => `${d.status} ${JSON.stringify(d.body)}`);
  process.stdout.write(`${provider} ${action} ${orderNo}: ${deliveries.length} delivery(ies)\n`);
  for (const [answer, count] of Object.entries(countBy(summary))) process.stdout.write(`  ${count} x ${answer}\n`);
}

function countBy(list) {
  return list.reduce((acc, item) => ({ ...acc, [item]: (acc[item] ?? 0) + 1 }), {});
}

await main();
