import { CopyButton } from './ui.tsx';

/** How a receiver checks our signatures with the standardwebhooks library. */
export function verificationSnippet(secret: string): string {
  return `import { Webhook } from 'standardwebhooks';

const webhook = new Webhook('${secret}');

// In your handler, with the request body exactly as received (a string or bytes):
const event = webhook.verify(rawBody, {
  'webhook-id': request.headers['webhook-id'],
  'webhook-timestamp': request.headers['webhook-timestamp'],
  'webhook-signature': request.headers['webhook-signature'],
});
// Throws when the signature or the timestamp does not check out.
// The same webhook-id can arrive more than once: deduplicate on it.`;
}

/** A signing secret shown the one time the API returns it, with a copy button and how to verify. */
export function SecretReveal(props: { secret: string }) {
  const snippet = verificationSnippet(props.secret);
  return (
    <>
      <h2>Signing secret</h2>
      <p role="note">This is the only time the secret is shown. Store it with your receiver now.</p>
      <div class="secret">
        <code id="secret">{props.secret}</code>
        <CopyButton text={props.secret} label="Copy secret" />
      </div>
      <h2>Verify the signatures</h2>
      <p>
        With the <code>standardwebhooks</code> library (<code>npm install standardwebhooks</code>):
      </p>
      <pre>
        <code>{snippet}</code>
      </pre>
      <CopyButton text={snippet} label="Copy code" />
    </>
  );
}
