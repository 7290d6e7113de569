import { type ReactNode, useId } from 'react';

/** One series of a chart: a name for the legend and the data table, and a value per slot. */
export interface Series {
  name: string;
  values: number[];
}

const WIDTH = 600;
const HEIGHT = 200;
const PAD = { left: 40, right: 8, top: 8, bottom: 22 };
const PALETTE = ['#0b5cad', '#2e9d5b', '#d97706', '#b42318', '#7c3aed', '#0f766e', '#9a3412', '#475569'];
const color = (i: number) => PALETTE[i % PALETTE.length] ?? '#475569';

/** A small "nice" ceiling for the y axis, so the scale reads as round numbers. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

function Frame({
  title,
  labels,
  max,
  children,
  series,
  legend,
  format,
}: {
  title: string;
  labels: string[];
  max: number;
  children: ReactNode;
  /** What the data table lists per slot. */
  series: Series[];
  /** One legend line per series, in its colour. */
  legend: string[];
  format: (value: number) => string;
}) {
  const id = useId();
  const plotBottom = HEIGHT - PAD.bottom;
  return (
    <figure className="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>
        <strong>{title}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: chart`} focusable="false">
        <line x1={PAD.left} y1={plotBottom} x2={WIDTH - PAD.right} y2={plotBottom} stroke="#9aa3ad" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={plotBottom} stroke="#9aa3ad" />
        <text x={PAD.left - 4} y={PAD.top + 10} textAnchor="end" fontSize="11" fill="#555">
          {format(max)}
        </text>
        <text x={PAD.left - 4} y={plotBottom} textAnchor="end" fontSize="11" fill="#555">
          0
        </text>
        <text x={PAD.left} y={HEIGHT - 6} fontSize="11" fill="#555">
          {labels[0] ?? ''}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end" fontSize="11" fill="#555">
          {labels[labels.length - 1] ?? ''}
        </text>
        {children}
      </svg>
      <ul className="legend">
        {legend.map((line, i) => (
          <li key={line}>
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" fill={color(i)} />
            </svg>{' '}
            {line}
          </li>
        ))}
      </ul>
      <details>
        <summary>Data</summary>
        <table>
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              {series.map((s) => (
                <th scope="col" key={s.name}>
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, slot) =>
              series.some((s) => (s.values[slot] ?? 0) !== 0) ? (
                <tr key={label}>
                  <td>{label}</td>
                  {series.map((s) => (
                    <td key={s.name}>{format(s.values[slot] ?? 0)}</td>
                  ))}
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** Bars per time slot: stacked (parts of a whole) or side by side (grouped, e.g. started vs succeeded). */
export function BarChart({
  title,
  labels,
  series,
  grouped = false,
}: {
  title: string;
  labels: string[];
  series: Series[];
  grouped?: boolean;
}) {
  const totals = labels.map((_, slot) =>
    grouped
      ? Math.max(0, ...series.map((s) => s.values[slot] ?? 0))
      : series.reduce((sum, s) => sum + (s.values[slot] ?? 0), 0),
  );
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slotWidth = plotWidth / Math.max(1, labels.length);
  const bars: ReactNode[] = [];
  labels.forEach((_, slot) => {
    let base = HEIGHT - PAD.bottom;
    const barWidth = grouped ? (slotWidth * 0.8) / Math.max(1, series.length) : slotWidth * 0.8;
    series.forEach((s, i) => {
      const value = s.values[slot] ?? 0;
      if (value <= 0) return;
      const height = (value / max) * plotHeight;
      const x = PAD.left + slot * slotWidth + slotWidth * 0.1 + (grouped ? i * barWidth : 0);
      const y = grouped ? HEIGHT - PAD.bottom - height : (base -= height);
      bars.push(<rect key={`${slot}-${s.name}`} x={x} y={y} width={barWidth} height={height} fill={color(i)} />);
    });
  });
  return (
    <Frame
      title={title}
      labels={labels}
      max={max}
      series={series}
      legend={series.map((s) => `${s.name}: ${s.values.reduce((a, b) => a + b, 0)}`)}
      format={(v) => String(Math.round(v))}
    >
      {bars}
    </Frame>
  );
}

/** A rate (0 to 1) over time slots, as a line; slots without a value (null) are left out. */
export function RateChart({
  title,
  labels,
  values,
  overall,
}: {
  title: string;
  labels: string[];
  values: (number | null)[];
  overall: string;
}) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slotWidth = plotWidth / Math.max(1, labels.length);
  const points = values.flatMap((v, slot) =>
    v === null ? [] : [[PAD.left + slot * slotWidth + slotWidth / 2, HEIGHT - PAD.bottom - v * plotHeight] as const],
  );
  return (
    <Frame
      title={title}
      labels={labels}
      max={1}
      series={[{ name: 'success rate', values: values.map((v) => v ?? 0) }]}
      legend={[`success rate: ${overall}`]}
      format={(v) => `${Math.round(v * 100)}%`}
    >
      <polyline points={points.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={color(0)} strokeWidth="2" />
      {points.map(([x, y]) => (
        <circle key={x} cx={x} cy={y} r="3" fill={color(0)} />
      ))}
    </Frame>
  );
}
