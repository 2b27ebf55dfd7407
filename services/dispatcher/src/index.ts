export { createDispatcherApp, type DispatcherApp, type DispatcherDeps } from './app.ts';
export { type DispatcherConfig, dispatcherEnvSchema } from './config.ts';
export { DeadLetterReason, DeliveryHeader } from './headers.ts';
