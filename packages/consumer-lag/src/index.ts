export { type MeasureLagOptions, measureLag } from './measure-lag.ts';
export type { GroupLag, LagGroup, PartitionLag } from './model.ts';
export { type ScanWindow, UNCONSUMED_WINDOW, UnconsumedWindow, type WindowRecord } from './unconsumed-window.ts';
