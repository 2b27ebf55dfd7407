import type { ApiClient } from '@payhook/api/client';
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Problem } from './session.ts';

/** The API client of the open portal session. */
export const ClientContext = createContext<ApiClient | undefined>(undefined);

export function useClient(): ApiClient {
  const client = useContext(ClientContext);
  if (client === undefined) throw new Error('no portal session');
  return client;
}

/** What openapi-fetch answers: data on success, the problem document otherwise. */
export interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
}

/** A load in progress, done, or failed with the API's problem. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly problem: Problem | undefined;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads with `load` whenever `key` changes. With `pollMs`, loads again that long after each
 * answer (never two at once, however slow the API is) while the page is open, until `settled`
 * says the data will not change any more.
 */
export function useLoad<T>(
  load: () => Promise<Answer<T>>,
  key: string,
  pollMs?: number,
  settled?: (data: T) => boolean,
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const settledRef = useRef(settled);
  settledRef.current = settled;
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const again = (data: T | undefined) => {
      if (!live || pollMs === undefined) return;
      if (data !== undefined && settledRef.current?.(data) === true) return;
      timer = setTimeout(() => setTick((t) => t + 1), pollMs);
    };
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (answer) => {
        if (!live) return;
        setState(
          answer.data === undefined
            ? { problem: (answer.error as Problem | undefined) ?? { detail: 'no answer' }, loading: false }
            : { data: answer.data, loading: false },
        );
        again(answer.data);
      },
      () => {
        if (!live) return;
        setState({ problem: { detail: 'the API could not be reached' }, loading: false });
        again(undefined);
      },
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

/** A page's heading and body; the heading takes focus so that a screen reader announces the page. */
export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · payhook console`;
    heading.current?.focus();
  }, [props.title]);
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

/** A problem the API answered with, not tied to one field. */
export function ProblemNote(props: { problem: Problem | undefined }) {
  if (props.problem === undefined) return null;
  return (
    <p class="problem" role="alert">
      {props.problem.detail ?? props.problem.title ?? 'The request failed'}
    </p>
  );
}

/** Loading, the problem, or the content. */
export function Loading<T>(props: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const { data, problem } = props.loaded;
  if (problem !== undefined) return <ProblemNote problem={problem} />;
  if (data === undefined) return <p aria-live="polite">Loading…</p>;
  return <>{props.children(data)}</>;
}

const STATUS_TONES: Readonly<Record<string, string>> = {
  delivered: 'good',
  confirmed: 'good',
  retrying: 'warn',
  detected: 'warn',
  pending: 'neutral',
  failed: 'bad',
  expired: 'bad',
  reorged: 'bad',
  underpaid: 'warn',
  overpaid: 'warn',
  disabled: 'bad',
  enabled: 'good',
  held: 'warn',
  retry_scheduled: 'warn',
  dead_lettered: 'bad',
  endpoint_disabled: 'bad',
  parked: 'bad',
};

/** A status as a labelled badge (the word carries the meaning; the colour only repeats it). */
export function Status(props: { value: string }) {
  return <span class={`status status-${STATUS_TONES[props.value] ?? 'neutral'}`}>{props.value}</span>;
}

/** A timestamp in the reader's locale, with the exact instant in a <time> element. */
export function When(props: { at: string | null }) {
  if (props.at === null) return <span>—</span>;
  return <time dateTime={props.at}>{new Date(props.at).toLocaleString()}</time>;
}

/** A labelled form control with the API's problem for its field shown next to it. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  problem: string | undefined;
  children: (describedBy: string | undefined) => ComponentChildren;
}) {
  const describedBy =
    [props.hint === undefined ? '' : `${props.id}-hint`, props.problem === undefined ? '' : `${props.id}-problem`]
      .filter((s) => s !== '')
      .join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children(describedBy)}
      {props.hint === undefined ? null : (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
      {props.problem === undefined ? null : (
        <small id={`${props.id}-problem`} class="field-problem" role="alert">
          {props.problem}
        </small>
      )}
    </div>
  );
}

/** The problem named for each field, by the API's field name. */
export function fieldProblems(problem: Problem | undefined): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const e of problem?.errors ?? [])
    byField[e.field] = byField[e.field] === undefined ? e.detail : `${byField[e.field]}; ${e.detail}`;
  return byField;
}

/**
 * The problem to show apart from the fields: undefined when every field it names is one of
 * `shown` (those are shown next to their inputs).
 */
export function unshownProblem(problem: Problem | undefined, shown: readonly string[]): Problem | undefined {
  const errors = problem?.errors ?? [];
  return errors.length > 0 && errors.every((e) => shown.includes(e.field)) ? undefined : problem;
}

/** A button that copies `text` and says so. */
export function CopyButton(props: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() =>
        navigator.clipboard.writeText(props.text).then(
          () => setDone(true),
          () => setDone(false),
        )
      }
    >
      {done ? 'Copied' : props.label}
      <span class="visually-hidden" aria-live="polite">
        {done ? ' (copied to the clipboard)' : ''}
      </span>
    </button>
  );
}

/** A table with a caption for screen readers and one header per column; rows become cards on a phone. */
export function Table(props: { caption: string; columns: readonly string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** Links to the newest page (when not on it) and to the next older page (when there is one). */
export function Pager(props: { newest: string | undefined; older: string | undefined }) {
  return (
    <nav class="pager" aria-label="Pages">
      {props.newest === undefined ? null : <a href={props.newest}>Newest</a>}
      {props.older === undefined ? null : <a href={props.older}>Older</a>}
    </nav>
  );
}

/** A one-line text input in a {@link Field}, marked invalid while the API names a problem for it. */
export function TextField(props: {
  name: string;
  label: string;
  hint?: string;
  problem: string | undefined;
  inputMode?: 'decimal' | 'numeric' | 'url';
  /** The value the input starts with. */
  value?: string;
}) {
  return (
    <Field id={props.name} label={props.label} hint={props.hint} problem={props.problem}>
      {(describedBy) => (
        <input
          id={props.name}
          name={props.name}
          inputMode={props.inputMode}
          defaultValue={props.value}
          aria-invalid={props.problem !== undefined}
          aria-describedby={describedBy}
        />
      )}
    </Field>
  );
}
