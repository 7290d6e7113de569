import { api, call } from '../api/client';
import { ErrorBanner, StatusBadge, textField, useLoad } from '../components/common';
import { ConfirmAction } from '../components/confirm-dialog';
import { formatMoney, formatTime } from '../money';
import { Link, navigate, useLocation } from '../router';

const OPEN = 'REFUND_REQUIRED';

/** The anomaly queue: money that arrived when it should not have; refund it or dismiss it with a reason. */
export function AnomaliesPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? OPEN;
  const query = status === 'all' ? {} : { status: status as typeof OPEN };
  const anomalies = useLoad(
    () => call(api.GET('/api/v1/admin/anomalies', { params: { query: { ...query, pageSize: 100 } } })),
    [status],
  );
  const refresh = () => {
    void anomalies.reload();
    setTimeout(() => void anomalies.reload(), 1500);
  };

  return (
    <main>
      <h1>Anomalies</h1>
      <label className="inline">
        Show
        <select
          value={status}
          onChange={(e) => navigate(`/console/admin/anomalies?status=${encodeURIComponent(e.target.value)}`)}
        >
          <option value={OPEN}>open (refund required)</option>
          <option value="REFUNDING">refunding</option>
          <option value="REFUNDED">refunded</option>
          <option value="REFUND_FAILED">refund failed</option>
          <option value="DISMISSED">dismissed</option>
          <option value="all">all</option>
        </select>
      </label>
      <ErrorBanner message={anomalies.error} />
      <table>
        <caption>{anomalies.data?.total ?? 0} anomalies</caption>
        <thead>
          <tr>
            <th scope="col">Detected</th>
            <th scope="col">Type</th>
            <th scope="col">Order</th>
            <th scope="col">Provider</th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {anomalies.data?.items.map((a) => (
            <tr key={a.id}>
              <td>{formatTime(a.detectedAt)}</td>
              <td>{a.type.replace(/_/g, ' ')}</td>
              <td>
                <Link href={`/console/admin/orders/${encodeURIComponent(a.orderNo)}`} className="mono">
                  {a.orderNo}
                </Link>
              </td>
              <td>
                {a.provider} <span className="mono">{a.providerTransactionId}</span>
              </td>
              <td>{formatMoney(a.amount, a.currency)}</td>
              <td>
                <StatusBadge status={a.status} />
                {a.resolutionReason && <div className="muted">{a.resolutionReason}</div>}
              </td>
              <td className="actions">
                {a.status === OPEN && (
                  <>
                    <ConfirmAction
                      label={`Refund ${a.providerTransactionId}`}
                      title={`Refund ${formatMoney(a.amount, a.currency)} to the payer`}
                      confirmLabel="Refund"
                      danger
                      onDone={refresh}
                      onConfirm={async (form, key) => {
                        const reason = textField(form, 'reason');
                        await call(
                          api.POST('/api/v1/admin/anomalies/{id}/refund', {
                            params: { path: { id: a.id }, header: { 'Idempotency-Key': key } },
                            body: reason ? { reason } : {},
                          }),
                        );
                      }}
                    >
                      <p>
                        The whole {a.type.replace(/_/g, ' ').toLowerCase()} of {formatMoney(a.amount, a.currency)} goes
                        back through {a.provider}.
                      </p>
                      <label htmlFor={`refund-reason-${a.id}`}>Reason (optional)</label>
                      <input id={`refund-reason-${a.id}`} name="reason" maxLength={256} autoComplete="off" />
                    </ConfirmAction>
                    <ConfirmAction
                      label={`Dismiss ${a.providerTransactionId}`}
                      title="Dismiss this anomaly"
                      confirmLabel="Dismiss"
                      onDone={refresh}
                      onConfirm={async (form, key) => {
                        await call(
                          api.POST('/api/v1/admin/anomalies/{id}/dismiss', {
                            params: { path: { id: a.id }, header: { 'Idempotency-Key': key } },
                            body: { reason: textField(form, 'reason') },
                          }),
                        );
                      }}
                    >
                      <p>The money stays; say why (e.g. settled with the customer another way).</p>
                      <label htmlFor={`dismiss-reason-${a.id}`}>Reason</label>
                      <input id={`dismiss-reason-${a.id}`} name="reason" required maxLength={256} autoComplete="off" />
                    </ConfirmAction>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
