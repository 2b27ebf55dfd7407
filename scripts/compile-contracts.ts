// Compiles the test contracts in contracts/ with solc-js into committed artifacts
// (contracts/<Name>.json: ABI and bytecode), so tests never compile at run time.
//
//   node scripts/compile-contracts.ts           write the artifacts
//   node scripts/compile-contracts.ts --check   exit 1 when a committed artifact is stale
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const root = fileURLToPath(new URL('../', import.meta.url));
const CONTRACTS = ['TestToken'] as const;

/**
 * Pinned so the artifact does not change with solc's default target; Cancun is the newest
 * fork every EVM chain the pipeline is likely to watch has activated.
 */
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

function compile(name: string): string {
  const sourceName = `contracts/${name}.sol`;
  const source = readFileSync(`${root}${sourceName}`, 'utf8');
  const input = { language: 'Solidity', sources: { [sourceName]: { content: source } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  if (problems.length > 0) throw new Error(problems.map((e) => e.formattedMessage).join('\n'));
  const contract = output.contracts?.[sourceName]?.[name];
  if (contract === undefined) throw new Error(`${sourceName} defines no contract ${name}`);
  const artifact = {
    contractName: name,
    sourceName,
    sourceSha256: createHash('sha256').update(source).digest('hex'),
    compiler: { name: 'solc', version: solc.version() as string, settings: SETTINGS },
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
  };
  return formatted(`contracts/${name}.json`, JSON.stringify(artifact));
}

/** The artifact as the repository's formatter lays it out, so the lint check passes as written. */
function formatted(path: string, json: string): string {
  const biome = spawnSync(`${root}node_modules/.bin/biome`, ['format', `--stdin-file-path=${path}`], {
    cwd: root,
    input: json,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (biome.status !== 0) throw new Error(`biome format failed: ${biome.stderr}`);
  return biome.stdout;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const name of CONTRACTS) {
  const file = `${root}contracts/${name}.json`;
  const text = compile(name);
  if (check) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      console.error(`contracts/${name}.json is stale: run node scripts/compile-contracts.ts`);
      stale += 1;
    }
  } else {
    writeFileSync(file, text);
    console.log(`wrote contracts/${name}.json`);
  }
}
if (stale > 0) process.exitCode = 1;
