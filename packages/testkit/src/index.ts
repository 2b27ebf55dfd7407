export {
  ANVIL_MNEMONIC,
  type DeployedToken,
  type DeployTokenOptions,
  fundedAccounts,
  type ReorgTransaction,
  type Sender,
  type TestChain,
  type TestTokenArtifact,
  testChain,
  testTokenArtifact,
} from './chain.ts';
export { testEnvironment, uniqueName } from './environment.ts';
export { readRecords, scratchTopics, testKafka } from './kafka.ts';
export { type LossyProduceAnswers, lossyKafka, lossyProduceAnswers } from './lossy-socket.ts';
export { type Merchant, type Received, startMerchant } from './merchant.ts';
export { createPipelineFixture, type PipelineFixture } from './pipeline.ts';
export { sampleValues } from './samples.ts';
export {
  type RunningService,
  type SupervisedService,
  type SuperviseOptions,
  startService,
  stopServices,
  superviseService,
} from './service-process.ts';
export { type ProgressWaitOptions, waitForProgress, waitUntil } from './wait.ts';
