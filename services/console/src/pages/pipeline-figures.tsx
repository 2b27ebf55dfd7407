import type { paths } from '@payhook/api/client';
import { Table } from '../ui.tsx';

/** What `GET /v1/operator/overview` answers. */
export type OperatorOverview = paths['/v1/operator/overview']['get']['responses'][200]['content']['application/json'];

const PERCENTILES = [
  { key: 'p50_ms', label: 'p50', colour: '#155e2b' },
  { key: 'p95_ms', label: 'p95', colour: '#b06d00' },
  { key: 'p99_ms', label: 'p99', colour: '#a3161b' },
] as const;

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Request latency percentiles per minute as three lines (an SVG drawn here), with the figures
 * in a table for screen readers. Minutes without requests are left out of the lines.
 */
export function LatencyChart(props: { minutes: OperatorOverview['latency'] }) {
  const { minutes } = props;
  const width = 600;
  const height = 120;
  // Inset by a dot's width, so that the first, last and highest dots are drawn whole.
  const inset = 4;
  const step = (width - 2 * inset) / Math.max(1, minutes.length - 1);
  const peak = Math.max(1, ...minutes.map((m) => m.p99_ms));
  const busy = minutes.filter((m) => m.requests > 0);
  const y = (ms: number) => height - (ms / peak) * (height - 16);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-labelledby="latency-title">
        <title id="latency-title">Request latency percentiles per minute, last hour</title>
        {PERCENTILES.map((p) => {
          const points = minutes.flatMap((m, i) =>
            m.requests === 0 ? [] : [[inset + i * step, y(m[p.key])] as const],
          );
          // A dot per busy minute as well: a line needs two, and one busy minute is common.
          return (
            <g key={p.key} fill={p.colour}>
              <polyline fill="none" stroke={p.colour} stroke-width="2" points={points.join(' ')} />
              {points.map(([x, py]) => (
                <circle key={x} cx={x} cy={py} r="3" />
              ))}
            </g>
          );
        })}
        <text x="0" y={height + 16} font-size="12" fill="#545d68">
          {minutes[0] === undefined ? '' : time(minutes[0].minute)}
        </text>
        <text x={width} y={height + 16} font-size="12" fill="#545d68" text-anchor="end">
          {minutes.at(-1) === undefined ? '' : time(minutes.at(-1)?.minute ?? '')}
        </text>
        <text x="0" y="12" font-size="12" fill="#545d68">
          peak {peak} ms
        </text>
      </svg>
      <figcaption>
        Request latency over the last hour, per minute:{' '}
        {PERCENTILES.map((p) => (
          <span key={p.key} class="legend">
            <span class="swatch" style={{ background: p.colour }} /> {p.label}{' '}
          </span>
        ))}
        {busy.length === 0 ? <span class="muted">no requests in the last hour</span> : null}
      </figcaption>
      <div class="visually-hidden">
        <table>
          <caption>Request latency per minute, in milliseconds</caption>
          <thead>
            <tr>
              <th scope="col">Minute</th>
              <th scope="col">Requests</th>
              {PERCENTILES.map((p) => (
                <th key={p.key} scope="col">
                  {p.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {busy.map((m) => (
              <tr key={m.minute}>
                <th scope="row">{time(m.minute)}</th>
                <td>{m.requests}</td>
                {PERCENTILES.map((p) => (
                  <td key={p.key}>{m[p.key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

const ROLES: Readonly<Record<OperatorOverview['lag'][number]['role'], string>> = {
  filter: 'Confirmation filter',
  dispatcher: 'Dispatcher',
};

/** Each group's records behind and longest wait, as a figure, with its topics in a table. */
export function LagFigures(props: { groups: OperatorOverview['lag'] }) {
  return (
    <div class="lag-groups">
      {props.groups.map((g) => (
        <section key={g.group_id} class="lag-group" aria-labelledby={`lag-${g.role}`}>
          <h3 id={`lag-${g.role}`}>{ROLES[g.role]}</h3>
          <p class="lag-figure">
            <strong>{g.lag_records}</strong> records behind, <strong>{g.lag_seconds.toFixed(1)}</strong> s
          </p>
          <p class="muted">
            {g.group_id}: {g.state}, {g.members} {g.members === 1 ? 'member' : 'members'}
          </p>
          <Table caption={`${ROLES[g.role]} lag per topic`} columns={['Topic', 'Records behind', 'Seconds']}>
            {g.topics.map((t) => (
              <tr key={t.topic}>
                <td data-label="Topic">{t.topic}</td>
                <td data-label="Records behind">{t.lag_records}</td>
                <td data-label="Seconds">{t.lag_seconds.toFixed(1)}</td>
              </tr>
            ))}
          </Table>
        </section>
      ))}
    </div>
  );
}
