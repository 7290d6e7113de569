// A paid Alipay notification for a local-simulator order, signed with the simulator's key: what Alipay would post
// to our notify_url. Shared by `npm run bench` and `npm run chaos`, which play Alipay without its simulator's help.

/** Alipay's notify_time / gmt_payment format: China time, "yyyy-MM-dd HH:mm:ss". */
function chinaTime(date) {
  return new Date(date.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * The signed form fields of a TRADE_SUCCESS notification for `order` ({orderNo, totalAmount} in fen).
 * `signer` is an AlipaySimulator built from the local secrets (it only signs; it does not listen).
 */
export function paidAlipayNotification(signer, alipaySecrets, { order, notifyId, tradeNo }) {
  const now = chinaTime(new Date());
  const amount = (order.totalAmount / 100).toFixed(2);
  return signer.buildNotification({
    notify_id: notifyId,
    notify_time: now,
    notify_type: 'trade_status_sync',
    app_id: alipaySecrets.appId,
    seller_id: alipaySecrets.sellerId,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    out_trade_no: order.orderNo,
    trade_no: tradeNo,
    trade_status: 'TRADE_SUCCESS',
    total_amount: amount,
    receipt_amount: amount,
    gmt_payment: now,
  });
}
