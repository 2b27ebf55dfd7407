import { useState } from 'preact/hooks';
import type { Problem } from '../session.ts';
import { instant, localInput } from '../time-inputs.ts';
import { Field, fieldProblems, ProblemNote, unshownProblem, useClient } from '../ui.tsx';

type Stage =
  | { readonly step: 'choose' }
  | { readonly step: 'counting' | 'sending' }
  | { readonly step: 'counted'; readonly matched: number; readonly window: { since: string; until?: string } }
  | { readonly step: 'sent'; readonly sent: number };

const JOB_POLL_MS = 500;

/**
 * Sends an endpoint's dead-lettered deliveries of a time window again, with their webhook-ids:
 * a dry run counts them first, and only a confirmation sends them.
 */
export function RecoverFailed(props: { endpointId: string; sinceMs?: number }) {
  const client = useClient();
  const [stage, setStage] = useState<Stage>({ step: 'choose' });
  const [problem, setProblem] = useState<Problem | undefined>(undefined);

  /** Starts a recovery job and waits for it to end; undefined when it failed (the problem is shown). */
  const run = async (window: { since: string; until?: string }, dryRun: boolean) => {
    const started = await client.POST('/v1/endpoints/{endpoint_id}/recover', {
      params: { path: { endpoint_id: props.endpointId } },
      body: { ...window, dry_run: dryRun },
    });
    let job = started.data;
    while (job?.status === 'running') {
      await new Promise((r) => setTimeout(r, JOB_POLL_MS));
      job = (await client.GET('/v1/jobs/{job_id}', { params: { path: { job_id: job.job_id } } })).data;
    }
    if (job === undefined || job.status === 'failed') {
      setProblem((started.error as Problem | undefined) ?? { detail: `the job failed (${job?.error ?? 'no answer'})` });
      return undefined;
    }
    setProblem(undefined);
    return job;
  };

  const count = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const since = instant(String(form.get('since') ?? '')) ?? '';
    const until = instant(String(form.get('until') ?? ''));
    const window = until === undefined ? { since } : { since, until };
    setStage({ step: 'counting' });
    const job = await run(window, true);
    setStage(job === undefined ? { step: 'choose' } : { step: 'counted', matched: job.matched, window });
  };
  const send = async (window: { since: string; until?: string }) => {
    setStage({ step: 'sending' });
    const job = await run(window, false);
    setStage(job === undefined ? { step: 'choose' } : { step: 'sent', sent: job.sent });
  };

  const problems = fieldProblems(problem);
  return (
    <section aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries of {props.endpointId}</h2>
      <form onSubmit={count} noValidate>
        <Field id="since" label="Failed since" problem={problems.since}>
          {(describedBy) => (
            <input
              id="since"
              name="since"
              type="datetime-local"
              defaultValue={localInput(props.sinceMs ?? Date.now() - 86_400_000)}
              aria-invalid={problems.since !== undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <Field id="until" label="Failed before" hint="Empty: now" problem={problems.until}>
          {(describedBy) => (
            <input
              id="until"
              name="until"
              type="datetime-local"
              aria-invalid={problems.until !== undefined}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        <ProblemNote problem={unshownProblem(problem, ['since', 'until'])} />
        <div class="actions">
          <button type="submit" disabled={stage.step === 'counting' || stage.step === 'sending'}>
            Count them (dry run)
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {stage.step === 'counting' ? <p>Counting…</p> : null}
        {stage.step === 'sending' ? <p>Sending…</p> : null}
        {stage.step === 'counted' ? (
          <div class="actions">
            <span>
              {stage.matched} failed {stage.matched === 1 ? 'delivery' : 'deliveries'} in this window.
            </span>
            {stage.matched === 0 ? null : (
              <button type="button" onClick={() => send(stage.window)}>
                Send {stage.matched === 1 ? 'it' : `all ${stage.matched}`} again
              </button>
            )}
          </div>
        ) : null}
        {stage.step === 'sent' ? (
          <p>Sent {stage.sent} again, each with its original webhook-id. Their attempts show in the deliveries log.</p>
        ) : null}
      </div>
    </section>
  );
}
