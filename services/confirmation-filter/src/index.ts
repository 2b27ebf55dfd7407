export { createFilterApp, type FilterApp, type FilterDeps } from './app.ts';
export { type FilterConfig, filterEnvSchema } from './config.ts';
export { deliveryId, type WebhookBody, webhookBody } from './webhook-body.ts';
