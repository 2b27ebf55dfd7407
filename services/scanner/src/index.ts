export { createScannerApp, type ScannerApp, type ScannerDeps, scannerTransactionalId } from './app.ts';
export { type ChainConfig, type ScannerConfig, scannerEnvSchema } from './config.ts';
export { evaluate, eventId, newPaymentState, type PaymentState, type Tip, undoAbove } from './payment-state.ts';
