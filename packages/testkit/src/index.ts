export { testEnvironment, uniqueName } from './environment.ts';
export { readRecords, scratchTopics, testKafka } from './kafka.ts';
export { waitUntil } from './wait.ts';
export { sampleValues } from './samples.ts';
