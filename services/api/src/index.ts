export { type ApiApp, type ApiDeps, createApiApp } from './app.ts';
export { type ApiConfig, apiEnvSchema } from './config.ts';
export { formatOpenApiDocument, generateOpenApiDocument } from './openapi.ts';
export { createPipelineLag, type PipelineLag } from './pipeline-lag.ts';
export { createPortalTokens, PortalRole, type PortalTokens } from './portal-tokens.ts';
