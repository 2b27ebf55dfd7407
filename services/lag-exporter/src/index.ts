export { createLagExporterApp, type LagExporterApp, type LagExporterDeps } from './app.ts';
export { type LagExporterConfig, lagExporterEnvSchema } from './config.ts';
