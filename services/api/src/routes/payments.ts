import type { PaymentIntent } from '@payhook/contracts';
import { buildPaymentIntent, findIntentConflict, InputError, type PaymentIntentFieldNames } from '@payhook/inputs';
import { canSee, merchantFor, type Principal, principalOf } from '../auth.ts';
import type { IdempotencyStore } from '../idempotency.ts';
import { invalidField, Problem, ProblemError } from '../problems.ts';
import {
  commonProblems,
  IdempotencyHeaders,
  Payment,
  PaymentCreate,
  PaymentParams,
  problemResponse,
} from '../schemas.ts';
import type { ApiServer } from '../server.ts';
import type { ApiStore } from '../store.ts';

/** The body's names for the shared builder's fields, so its errors name what the client sent. */
const FIELDS: PaymentIntentFieldNames = {
  merchant: 'merchant_id',
  chain: 'chain_id',
  address: 'deposit_address',
  amount: 'amount_expected',
  token: 'token.address',
  decimals: 'token.decimals',
  symbol: 'token.symbol',
  confirmations: 'required_confirmations',
  expiresIn: 'expires_in',
  id: 'payment_id',
};

/** What the payment routes need. */
export interface PaymentRouteDeps {
  readonly store: ApiStore;
  readonly idempotency: IdempotencyStore;
  readonly now: () => number;
}

/** `POST /v1/payments`, `GET /v1/payments/{payment_id}`. */
export function registerPaymentRoutes(app: ApiServer, deps: PaymentRouteDeps): void {
  app.post(
    '/v1/payments',
    {
      schema: {
        operationId: 'createPayment',
        tags: ['payments'],
        summary: 'Create a payment intent',
        description:
          'Validated as `payhook payments create` validates it, then written to the payments.intents topic; the scanner watches its deposit address from then on.',
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: PaymentCreate,
        response: {
          201: { ...Payment, description: 'The payment intent written' },
          409: problemResponse('The payment id or the deposit address is taken'),
          413: problemResponse('The body is larger than the limit'),
          415: problemResponse('The body is not application/json'),
          422: problemResponse('A field is not acceptable (named in `errors`), or the Idempotency-Key was reused'),
          ...commonProblems,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const key = request.headers['idempotency-key'];
      const create = async () => ({ body: await createPayment(deps, principal, body) });
      if (key === undefined) return reply.code(201).send((await create()).body);
      const outcome = await deps.idempotency.run(principal.keyId, key, { route: 'POST /v1/payments', body }, create);
      if (outcome.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(outcome.response.body as Payment);
    },
  );

  app.get(
    '/v1/payments/:payment_id',
    {
      schema: {
        operationId: 'getPayment',
        tags: ['payments'],
        summary: 'Get a payment intent',
        description:
          "The intent as the compacted payments.intents topic holds it. Another merchant's payment is a 404.",
        security: [{ bearer: [] }],
        params: PaymentParams,
        response: {
          200: { ...Payment, description: 'The payment intent' },
          404: problemResponse('No such payment for this key'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const intent = deps.store.intents.get(request.params.payment_id);
      if (intent === undefined || !canSee(principal, intent.merchant_id)) {
        throw new ProblemError(
          Problem.NOT_FOUND,
          `payment ${JSON.stringify(request.params.payment_id)} does not exist`,
        );
      }
      return paymentView(intent);
    },
  );
}

async function createPayment(deps: PaymentRouteDeps, principal: Principal, body: PaymentCreate): Promise<Payment> {
  const merchant = merchantFor(principal, body.merchant_id);
  let intent: PaymentIntent;
  try {
    intent = buildPaymentIntent(
      {
        merchant,
        chain: String(body.chain_id),
        address: body.deposit_address,
        amount: body.amount_expected,
        token: body.token?.address,
        decimals: body.token === undefined ? undefined : String(body.token.decimals),
        symbol: body.token?.symbol,
        confirmations: body.required_confirmations === undefined ? undefined : String(body.required_confirmations),
        expiresIn: body.expires_in,
        id: body.payment_id,
      },
      deps.now(),
      FIELDS,
    );
  } catch (error) {
    if (error instanceof InputError) throw invalidField(error.field, error.problem);
    throw error;
  }
  const conflict = findIntentConflict(intent, deps.store.intents);
  // Neither message names another merchant's payment.
  if (conflict?.kind === 'id_taken') {
    throw new ProblemError(
      Problem.CONFLICT,
      `payment_id: payment ${JSON.stringify(intent.payment_id)} already exists`,
      {
        errors: [{ field: 'payment_id', detail: 'is taken' }],
      },
    );
  }
  if (conflict?.kind === 'address_taken') {
    throw new ProblemError(Problem.CONFLICT, 'deposit_address: is already the deposit address of another payment', {
      errors: [{ field: 'deposit_address', detail: 'is already the deposit address of another payment' }],
    });
  }
  await deps.store.writeIntent(intent);
  return paymentView(intent);
}

/** An intent as the API shows it. */
export function paymentView(intent: PaymentIntent): Payment {
  return {
    payment_id: intent.payment_id,
    merchant_id: intent.merchant_id,
    chain_id: intent.chain_id,
    deposit_address: intent.deposit_address,
    asset: {
      kind: intent.asset.kind === 'NATIVE' ? 'native' : 'erc20',
      token_address: intent.asset.token_address,
      symbol: intent.asset.symbol,
      decimals: intent.asset.decimals,
    },
    amount_expected: intent.amount_expected,
    required_confirmations: intent.required_confirmations,
    expires_at: new Date(intent.expires_at).toISOString(),
    created_at: new Date(intent.created_at).toISOString(),
  };
}
