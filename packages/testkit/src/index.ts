export { testEnvironment, uniqueName } from './environment.ts';
export { readRecords, scratchTopics, testKafka } from './kafka.ts';
export { sampleValues } from './samples.ts';
export { waitUntil } from './wait.ts';
