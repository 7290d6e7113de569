import { useEffect } from 'react';
import { api, call, type Schemas } from '../api/client';
import { BarChart, RateChart, type Series } from '../components/charts';
import { ErrorBanner, useLoad } from '../components/common';
import { navigate, useLocation } from '../router';

type Stats = Schemas['AdminStatsResponse'];

const WINDOWS = [
  { minutes: 60, label: 'last hour' },
  { minutes: 360, label: 'last 6 hours' },
  { minutes: 1440, label: 'last 24 hours' },
];
// Every window is drawn as 60 slots: a minute each for the last hour, 6 or 24 minutes for the longer ones.
const SLOTS = 60;
const REFRESH_MS = 30_000;

/** Slot index of a minute in the window, or -1 outside it. */
function slotOf(stats: Stats, minute: string): number {
  const offset = (Date.parse(minute) - Date.parse(stats.from)) / 60_000;
  const slot = Math.floor(offset / (stats.minutes / SLOTS));
  return slot >= 0 && slot < SLOTS ? slot : -1;
}

function labels(stats: Stats): string[] {
  const step = stats.minutes / SLOTS;
  return Array.from({ length: SLOTS }, (_, slot) =>
    new Date(Date.parse(stats.from) + slot * step * 60_000).toLocaleTimeString('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
    }),
  );
}

/** Sums rows into one series per key (outcome, anomaly type, ...), slot by slot. */
function seriesBy<T extends { minute: string }>(
  stats: Stats,
  rows: T[],
  key: (row: T) => string,
  value: (row: T) => number,
): Series[] {
  const byKey = new Map<string, number[]>();
  for (const row of rows) {
    const slot = slotOf(stats, row.minute);
    if (slot < 0) continue;
    const values = byKey.get(key(row)) ?? new Array<number>(SLOTS).fill(0);
    values[slot] = (values[slot] ?? 0) + value(row);
    byKey.set(key(row), values);
  }
  return [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([name, values]) => ({ name, values }));
}

/** The back office's view of the last hour or day: payments, success rate, callbacks by outcome, anomalies. */
export function DashboardPage() {
  const { search } = useLocation();
  const minutes = Number(search.get('minutes') ?? 60);
  const period = WINDOWS.find((w) => w.minutes === minutes) ?? WINDOWS[0]!;
  const stats = useLoad(
    () => call(api.GET('/api/v1/admin/stats', { params: { query: { minutes: period.minutes } } })),
    [period.minutes],
  );
  const { reload } = stats;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const data = stats.data;
  const slotLabels = data ? labels(data) : [];
  const started = data
    ? seriesBy(
        data,
        data.payments,
        () => 'started',
        (r) => r.started,
      )[0]
    : undefined;
  const succeeded = data
    ? seriesBy(
        data,
        data.payments,
        () => 'succeeded',
        (r) => r.succeeded,
      )[0]
    : undefined;
  const startedTotal = started?.values.reduce((a, b) => a + b, 0) ?? 0;
  const succeededTotal = succeeded?.values.reduce((a, b) => a + b, 0) ?? 0;
  const rates = Array.from({ length: SLOTS }, (_, slot) => {
    const s = started?.values[slot] ?? 0;
    return s > 0 ? Math.min(1, (succeeded?.values[slot] ?? 0) / s) : null;
  });
  const overall = startedTotal > 0 ? `${Math.round((succeededTotal / startedTotal) * 100)}%` : 'no payments';

  return (
    <main>
      <h1>Dashboard</h1>
      <label className="inline">
        Period
        <select value={period.minutes} onChange={(e) => navigate(`/console/admin/dashboard?minutes=${e.target.value}`)}>
          {WINDOWS.map((w) => (
            <option key={w.minutes} value={w.minutes}>
              {w.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorBanner message={stats.error} />
      {data && (
        <div className="charts">
          <BarChart
            title="Payments per slot"
            grouped
            labels={slotLabels}
            series={[
              { name: 'started', values: started?.values ?? new Array<number>(SLOTS).fill(0) },
              { name: 'succeeded', values: succeeded?.values ?? new Array<number>(SLOTS).fill(0) },
            ]}
          />
          <RateChart title="Success rate" labels={slotLabels} values={rates} overall={overall} />
          <BarChart
            title="Callbacks by outcome"
            labels={slotLabels}
            series={seriesBy(
              data,
              data.callbacks,
              (r) => r.outcome,
              (r) => r.count,
            )}
          />
          <BarChart
            title="Anomalies by type"
            labels={slotLabels}
            series={seriesBy(
              data,
              data.anomalies,
              (r) => r.type,
              (r) => r.count,
            )}
          />
        </div>
      )}
      <p className="muted">Refreshes every 30 seconds.</p>
    </main>
  );
}
