import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/** The media type of every error body (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

/** One field that is not acceptable. */
export interface FieldProblem {
  /** The field's name as the client sent it: `amount_expected`, `token.decimals`, a header or a path parameter. */
  readonly field: string;
  readonly detail: string;
}

/** The problems the API answers with: the `type` of each is `urn:payhook:problem:<slug>`. */
export const Problem = {
  INVALID_REQUEST: { status: 422, slug: 'invalid-request', title: 'The request is not acceptable' },
  BAD_REQUEST: { status: 400, slug: 'bad-request', title: 'Bad request' },
  MALFORMED_BODY: { status: 400, slug: 'malformed-body', title: 'The request body is not valid JSON' },
  UNAUTHORIZED: { status: 401, slug: 'unauthorized', title: 'A valid API key is required' },
  FORBIDDEN: { status: 403, slug: 'forbidden', title: 'This credential may not do that' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  CONFLICT: { status: 409, slug: 'conflict', title: 'The object already exists' },
  BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    slug: 'unsupported-media-type',
    title: 'The request body must be application/json',
  },
  IDEMPOTENCY_MISMATCH: {
    status: 422,
    slug: 'idempotency-key-reused',
    title: 'The Idempotency-Key was used with another request',
  },
  RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
  UNAVAILABLE: { status: 503, slug: 'unavailable', title: 'Not ready: try again shortly' },
} as const;
export type ProblemKind = (typeof Problem)[keyof typeof Problem];

/** An error that becomes a problem document as it is: its detail is written for the client. */
export class ProblemError extends Error {
  readonly kind: ProblemKind;
  readonly detail: string;
  readonly errors: readonly FieldProblem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    kind: ProblemKind,
    detail: string,
    options: { errors?: readonly FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.kind = kind;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** A 422 naming one field. */
export function invalidField(field: string, detail: string): ProblemError {
  return new ProblemError(Problem.INVALID_REQUEST, `${field}: ${detail}`, { errors: [{ field, detail }] });
}

/** The problem document's schema, for the OpenAPI document. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:payhook:problem:<slug>', examples: ['urn:payhook:problem:not-found'] }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          field: Type.String({ description: 'The field as the client named it, e.g. amount_expected' }),
          detail: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', description: 'An RFC 9457 problem document' },
);

/** Writes a problem document. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  kind: ProblemKind,
  detail: string,
  errors?: readonly FieldProblem[],
): FastifyReply {
  const body = {
    type: `urn:payhook:problem:${kind.slug}`,
    title: kind.title,
    status: kind.status,
    detail,
    instance: request.url.split('?')[0] ?? '/',
    ...(errors === undefined ? {} : { errors }),
  };
  // Serialised here: a route's response schema would drop the fields it does not list.
  return reply.code(kind.status).type(PROBLEM_JSON).serializer(JSON.stringify).send(body);
}

/** Fastify's own errors, by code, as problems. */
const FASTIFY_PROBLEMS: Readonly<Record<string, ProblemKind>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: Problem.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Problem.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Problem.MALFORMED_BODY,
  FST_ERR_CTP_EMPTY_JSON_BODY: Problem.MALFORMED_BODY,
  FST_ERR_CTP_INVALID_JSON_BODY: Problem.MALFORMED_BODY,
};

/**
 * The error handler of the whole server: every error is a problem document. Schema
 * validation errors name each field; the detail of an unexpected error is never shown (it may
 * quote input), only logged by its kind.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ProblemError) {
    reply.headers(error.headers);
    return sendProblem(reply, request, error.kind, error.detail, error.errors);
  }
  if (error.validation !== undefined) {
    const errors = error.validation.map((v) => fieldProblem(v, error.validationContext));
    const detail = errors.map((e) => `${e.field}: ${e.detail}`).join('; ');
    return sendProblem(reply, request, Problem.INVALID_REQUEST, detail, errors);
  }
  if (error.statusCode === 429) {
    return sendProblem(reply, request, Problem.RATE_LIMITED, error.message);
  }
  const known = error.code === undefined ? undefined : FASTIFY_PROBLEMS[error.code];
  if (known !== undefined) {
    const detail =
      known === Problem.BODY_TOO_LARGE
        ? `bodies are limited to ${request.routeOptions.bodyLimit ?? 0} bytes`
        : known === Problem.UNSUPPORTED_MEDIA_TYPE
          ? `content-type ${JSON.stringify(request.headers['content-type'] ?? '')} is not accepted: send application/json`
          : 'the body does not parse as JSON';
    return sendProblem(reply, request, known, detail);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, request, Problem.BAD_REQUEST, 'the request is not acceptable');
  }
  request.log.error({ err: { type: error.name, code: error.code } }, 'request failed');
  return sendProblem(reply, request, Problem.INTERNAL, 'the request failed; it may be retried');
}

interface ValidationIssue {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** An Ajv error as a named field: `token.decimals`, a missing property, an unknown one. */
function fieldProblem(issue: ValidationIssue, context: string | undefined): FieldProblem {
  const path = issue.instancePath
    .split('/')
    .filter((p) => p.length > 0)
    .join('.');
  const prefix = context === 'body' || context === undefined ? '' : `${context}.`;
  const join = (name: string) => `${prefix}${path === '' ? name : `${path}.${name}`}`;
  if (issue.keyword === 'required') return { field: join(String(issue.params.missingProperty)), detail: 'is required' };
  if (issue.keyword === 'additionalProperties') {
    return { field: join(String(issue.params.additionalProperty)), detail: 'is not a known field' };
  }
  return {
    field: path === '' ? (context ?? 'body') : `${prefix}${path}`,
    detail: issue.message ?? 'is not acceptable',
  };
}
