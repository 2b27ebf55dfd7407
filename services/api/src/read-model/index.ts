// The read model's store for other packages (the benchmarks fill one through its own interface).
export type {
  DeliveryStage,
  DeliveryStatus,
  IngestBatch,
  IngestRecord,
  ReadModelCounts,
  ReadModelStore,
} from './read-model-store.ts';
export { ADDED_INDEXES, addIndexes, FIGURE_QUERIES } from './sqlite-schema.ts';
export { openSqliteReadModel, type SqliteReadModelOptions } from './sqlite-store.ts';
