import { type Static, Type } from 'typebox';
import { requireOperatorKey } from '../auth.ts';
import { type PortalRole, type PortalTokens, PortalRole as Role } from '../portal-tokens.ts';
import { commonProblems, problemResponse } from '../schemas.ts';
import type { ApiServer } from '../server.ts';

/** What the portal-link routes need. */
export interface PortalLinkRouteDeps {
  readonly portal: PortalTokens;
  readonly ttlMs: number;
  /** The public origin links point at; the request's own when undefined. */
  readonly publicUrl: string | undefined;
}

const MerchantParams = Type.Object({
  merchant_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'The merchant' }),
});

export const PortalLink = Type.Object(
  {
    url: Type.String({
      description:
        'Opens the console with the token in the fragment (#token=…), which browsers never send to a server, so it stays out of access logs',
    }),
    token: Type.String({ description: 'pht_…: a bearer credential for /v1 until expires_at, scoped as role says' }),
    role: Type.Union([Type.Literal('merchant'), Type.Literal('operator')]),
    merchant_id: Type.Union([Type.String(), Type.Null()], { description: 'null for an operator link' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, description: 'A short-lived link into the console' },
);
export type PortalLink = Static<typeof PortalLink>;

const linkProblems = {
  403: problemResponse('Not an operator API key (merchant keys and portal tokens cannot make links)'),
  ...commonProblems,
};

/** `POST /v1/merchants/{merchant_id}/portal-links` and `POST /v1/operator/portal-links`. */
export function registerPortalLinkRoutes(app: ApiServer, deps: PortalLinkRouteDeps): void {
  // An origin written with a trailing slash (https://pay.example/) must not double it.
  const publicUrl = deps.publicUrl?.replace(/\/+$/, '');
  const link = (origin: string, role: PortalRole, merchantId: string | null): PortalLink => {
    const { token, grant } = deps.portal.issue({ role, merchantId, ttlMs: deps.ttlMs });
    return {
      url: `${publicUrl ?? origin}/console/#token=${token}`,
      token,
      role,
      merchant_id: grant.merchantId,
      expires_at: new Date(grant.expiresAtMs).toISOString(),
    };
  };
  const originOf = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;

  app.post(
    '/v1/merchants/:merchant_id/portal-links',
    {
      schema: {
        operationId: 'createMerchantPortalLink',
        tags: ['portal'],
        summary: "Make a link into a merchant's console",
        description:
          "Operator API keys only. The link's token acts as a key of that merchant (another merchant's objects are 404) until it expires (API_PORTAL_LINK_TTL_MS, 15 minutes by default); no long-lived key reaches the browser. Takes no body.",
        security: [{ bearer: [] }],
        params: MerchantParams,
        response: { 201: { ...PortalLink, description: 'The link' }, ...linkProblems },
      },
    },
    async (request, reply) => {
      requireOperatorKey(request);
      return reply.code(201).send(link(originOf(request), Role.MERCHANT, request.params.merchant_id));
    },
  );

  app.post(
    '/v1/operator/portal-links',
    {
      schema: {
        operationId: 'createOperatorPortalLink',
        tags: ['portal'],
        summary: 'Make a link into the operator console',
        description:
          "Operator API keys only. The link's token acts as an operator key (every merchant) until it expires. Takes no body.",
        security: [{ bearer: [] }],
        response: { 201: { ...PortalLink, description: 'The link' }, ...linkProblems },
      },
    },
    async (request, reply) => {
      requireOperatorKey(request);
      return reply.code(201).send(link(originOf(request), Role.OPERATOR, null));
    },
  );
}
