export { type MeasureLagOptions, measureLag } from './measure-lag.ts';
export type { GroupLag, LagGroup, PartitionLag } from './model.ts';
