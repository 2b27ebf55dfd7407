import type { DeliveryRow } from './load-all.ts';

const OUTCOMES = ['delivered', 'retrying', 'failed'] as const;
const COLOURS: Readonly<Record<(typeof OUTCOMES)[number], string>> = {
  delivered: '#155e2b',
  retrying: '#b06d00',
  failed: '#a3161b',
};

/** Deliveries created in each of the last `minutes` minutes, by their current outcome. */
export function perMinute(rows: readonly DeliveryRow[], nowMs: number, minutes: number) {
  const start = Math.floor(nowMs / 60_000) * 60_000 - (minutes - 1) * 60_000;
  const buckets = Array.from({ length: minutes }, (_, i) => ({
    at: start + i * 60_000,
    delivered: 0,
    retrying: 0,
    failed: 0,
  }));
  for (const d of rows) {
    const bucket = buckets[Math.floor((Date.parse(d.created_at) - start) / 60_000)];
    if (bucket !== undefined) bucket[d.status] += 1;
  }
  return buckets;
}

/**
 * Deliveries per minute as stacked bars (an SVG drawn here, no chart library), with the same
 * figures in a table for screen readers.
 */
export function DeliveryChart(props: { buckets: ReturnType<typeof perMinute> }) {
  const { buckets } = props;
  const width = 600;
  const height = 160;
  const barWidth = width / buckets.length;
  const peak = Math.max(1, ...buckets.map((b) => b.delivered + b.retrying + b.failed));
  const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="chart-title">
        <title id="chart-title">Deliveries per minute by outcome, last {buckets.length} minutes</title>
        {buckets.map((b, i) => {
          let y = height;
          return (
            <g key={b.at}>
              {OUTCOMES.map((o) => {
                const h = (b[o] / peak) * height;
                y -= h;
                return h === 0 ? null : (
                  <rect
                    key={o}
                    x={i * barWidth + 1}
                    y={y}
                    width={Math.max(1, barWidth - 2)}
                    height={h}
                    fill={COLOURS[o]}
                  />
                );
              })}
            </g>
          );
        })}
        <text x="0" y={height + 16} font-size="12" fill="#545d68">
          {time(buckets[0]?.at ?? 0)}
        </text>
        <text x={width} y={height + 16} font-size="12" fill="#545d68" text-anchor="end">
          {time(buckets.at(-1)?.at ?? 0)}
        </text>
        <text x="0" y="12" font-size="12" fill="#545d68">
          peak {peak}/min
        </text>
      </svg>
      <figcaption id="chart-caption">
        Deliveries per minute over the last {buckets.length} minutes, by outcome:{' '}
        {OUTCOMES.map((o) => (
          <span key={o} class="legend">
            <span class="swatch" style={{ background: COLOURS[o] }} /> {o}{' '}
          </span>
        ))}
      </figcaption>
      {/* A table cannot be shrunk below its rows: its wrapper hides it. */}
      <div class="visually-hidden">
        <table>
          <caption>Deliveries per minute</caption>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              {OUTCOMES.map((o) => (
                <th key={o} scope="col">
                  {o}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.at}>
                <th scope="row">{time(b.at)}</th>
                {OUTCOMES.map((o) => (
                  <td key={o}>{b[o]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
