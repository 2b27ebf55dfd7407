import type { PaymentIntent, PaymentStatus } from '@payhook/contracts';
import { buildPaymentIntent, findIntentConflict, type PaymentIntentFieldNames } from '@payhook/inputs';
import { canSee, merchantFor, type Principal, principalOf } from '../auth.ts';
import { checkWindow, decodeCursor, encodeCursor, pageLimit, timeParam } from '../cursor.ts';
import type { IdempotencyStore } from '../idempotency.ts';
import { asField } from '../input-problems.ts';
import { Problem, ProblemError } from '../problems.ts';
import type { PaymentState, ReadModelStore } from '../read-model/read-model-store.ts';
import {
  commonProblems,
  IdempotencyHeaders,
  Payment,
  PaymentCreate,
  PaymentDetail,
  PaymentList,
  PaymentListQuery,
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
  readonly readModel: () => ReadModelStore;
  readonly now: () => number;
}

/** `POST /v1/payments`, `GET /v1/payments`, `GET /v1/payments/{payment_id}`. */
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
    '/v1/payments',
    {
      schema: {
        operationId: 'listPayments',
        tags: ['payments'],
        summary: 'List payments',
        description:
          "The key's merchant's payments (every merchant's for an operator key), newest first, with their current state from the read model.",
        security: [{ bearer: [] }],
        querystring: PaymentListQuery,
        response: {
          200: { ...PaymentList, description: 'One page of payments' },
          422: problemResponse('A query parameter is not acceptable (named in `errors`)'),
          ...commonProblems,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query;
      const limit = pageLimit(query.limit);
      const after = decodeCursor(query.cursor);
      const afterMs = timeParam(query.created_after);
      const beforeMs = timeParam(query.created_before);
      checkWindow(afterMs, beforeMs, 'created_before');
      const statuses = await deps.readModel().paymentStatuses(principal.merchantId);
      const statusOf = (id: string) => (statuses.get(id)?.toLowerCase() ?? 'pending') as PaymentDetail['status'];
      const newestFirst = (a: PaymentIntent, b: PaymentIntent) =>
        b.created_at - a.created_at || (a.payment_id < b.payment_id ? 1 : a.payment_id > b.payment_id ? -1 : 0);
      const matching = [...deps.store.intents.values()]
        .filter((i) => canSee(principal, i.merchant_id))
        .filter((i) => afterMs === undefined || i.created_at >= afterMs)
        .filter((i) => beforeMs === undefined || i.created_at < beforeMs)
        .filter(
          (i) =>
            after === undefined ||
            i.created_at < after.atMs ||
            (i.created_at === after.atMs && i.payment_id < after.id),
        )
        .filter((i) => query.status === undefined || statusOf(i.payment_id) === query.status)
        .sort(newestFirst);
      const page = matching.slice(0, limit);
      const last = page.at(-1);
      const done = matching.length <= limit || last === undefined;
      return {
        data: page.map((i) => ({ ...paymentView(i), status: statusOf(i.payment_id) })),
        next_cursor: done ? null : encodeCursor({ atMs: last.created_at, id: last.payment_id }),
        done,
      };
    },
  );

  app.get(
    '/v1/payments/:payment_id',
    {
      schema: {
        operationId: 'getPayment',
        tags: ['payments'],
        summary: 'Get a payment with its state and history',
        description:
          "The intent as the compacted payments.intents topic holds it, its current state and every state change (block, transaction hashes, confirmations) from payments.events. Another merchant's payment is a 404.",
        security: [{ bearer: [] }],
        params: PaymentParams,
        response: {
          200: { ...PaymentDetail, description: 'The payment' },
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
      return paymentDetailView(intent, await deps.readModel().payment(intent.payment_id));
    },
  );
}

async function createPayment(deps: PaymentRouteDeps, principal: Principal, body: PaymentCreate): Promise<Payment> {
  const merchant = merchantFor(principal, body.merchant_id);
  const intent: PaymentIntent = asField(() =>
    buildPaymentIntent(
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
    ),
  );
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

const lower = (status: PaymentStatus) => status.toLowerCase() as PaymentDetail['status'];

/** An intent with its state: pending, with no history, until its first event. */
export function paymentDetailView(intent: PaymentIntent, state: PaymentState | undefined): PaymentDetail {
  return {
    ...paymentView(intent),
    status: state === undefined ? 'pending' : lower(state.status),
    amount_received: state?.amountReceived ?? '0',
    history: (state?.history ?? []).map((h) => ({
      event_id: h.eventId,
      sequence: h.sequence,
      status: lower(h.status),
      previous_status: h.previousStatus === null ? null : lower(h.previousStatus),
      amount_received: h.amountReceived,
      tx_hashes: [...h.txHashes],
      block_number: h.blockNumber,
      block_hash: h.blockHash,
      confirmations: h.confirmations,
      occurred_at: new Date(h.occurredAtMs).toISOString(),
    })),
  };
}
