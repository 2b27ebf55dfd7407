export { createFilterApp, type FilterApp, type FilterDeps } from './app.ts';
export { type FilterConfig, filterEnvSchema } from './config.ts';
export { deliveriesFor } from './deliveries.ts';
export { Subscriptions } from './subscriptions.ts';
export { deliveryId, type WebhookBody, webhookBody } from './webhook-body.ts';
