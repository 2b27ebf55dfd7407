import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@payhook/runtime';
import { bootstrapServers, serverProperties, stackKafkaLayout } from '../src/kafka-layout.ts';
import { parseQuorumStatus } from '../src/metadata-quorum.ts';
import { SCRAM_USERS } from '../src/secure-listener.ts';
import { devStackSettings } from '../src/settings.ts';

const settings = (env: Record<string, string>) =>
  devStackSettings({ PAYHOOK_DEV_HOME: '/nonexistent/payhook', ...env });

describe('the local Kafka layout', () => {
  it('one node by default, on the ports it always had', () => {
    const layout = stackKafkaLayout(settings({}));
    assert.deepEqual(
      layout.nodes.map((n) => [n.nodeId, n.port, n.controllerPort]),
      [[1, 9092, 9093]],
    );
    assert.equal(layout.heap, '768m');
    assert.equal(bootstrapServers(layout), '127.0.0.1:9092');
  });

  it('a cluster takes the ports two apart, lists every node for clients, and smaller heaps', () => {
    const layout = stackKafkaLayout(settings({ PAYHOOK_DEV_BROKERS: '3' }));
    assert.deepEqual(
      layout.nodes.map((n) => [n.index, n.nodeId, n.port, n.controllerPort]),
      [
        [0, 1, 9092, 9093],
        [1, 2, 9094, 9095],
        [2, 3, 9096, 9097],
      ],
    );
    assert.equal(bootstrapServers(layout), '127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096');
    assert.equal(layout.heap, '384m');
    assert.equal(stackKafkaLayout(settings({ PAYHOOK_DEV_BROKERS: '3', PAYHOOK_DEV_KAFKA_HEAP: '512m' })).heap, '512m');
  });

  it('a cluster node is replicated as production is, a single node as it can be', () => {
    const cluster = stackKafkaLayout(settings({ PAYHOOK_DEV_BROKERS: '3' }));
    const props = serverProperties(cluster, cluster.nodes[1] ?? assert.fail());
    for (const line of [
      'node.id=2',
      'controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097',
      'listeners=PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095',
      'default.replication.factor=3',
      'min.insync.replicas=2',
      'offsets.topic.replication.factor=3',
      'transaction.state.log.replication.factor=3',
      'transaction.state.log.min.isr=2',
    ]) {
      assert.ok(props.split('\n').includes(line), line);
    }
    const single = stackKafkaLayout(settings({}));
    const one = serverProperties(single, single.nodes[0] ?? assert.fail()).split('\n');
    for (const line of [
      'offsets.topic.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'min.insync.replicas=1',
    ]) {
      assert.ok(one.includes(line), line);
    }
  });

  it('a secure layout adds SASL_SSL and mTLS listeners beside the plaintext one; the default has none', (t) => {
    const plain = stackKafkaLayout(settings({}));
    assert.equal(plain.secure, undefined);
    const plainProps = serverProperties(plain, plain.nodes[0] ?? assert.fail());
    assert.match(plainProps, /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:9092,CONTROLLER:\/\/127\.0\.0\.1:9093$/m);
    assert.match(plainProps, /^listener\.security\.protocol\.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT$/m);
    assert.doesNotMatch(plainProps, /SASL|ssl\.|authorizer/);

    // PLAIN's users are written into the properties with their passwords: a folder that has them.
    const home = mkdtempSync(join(tmpdir(), 'payhook-layout-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const users = join(home, 'dev', 'kafka', 'tls', 'users');
    mkdirSync(users, { recursive: true });
    for (const user of SCRAM_USERS) writeFileSync(join(users, `${user}.password`), `pw-of-${user}`);
    const secure = stackKafkaLayout(
      settings({ PAYHOOK_DEV_HOME: home, PAYHOOK_DEV_SECURE: 'true', PAYHOOK_DEV_BROKERS: '3' }),
    );
    assert.deepEqual(
      secure.nodes.map((n) => n.securePort),
      [9192, 9194, 9196],
    );
    assert.deepEqual(
      secure.nodes.map((n) => n.mtlsPort),
      [9193, 9195, 9197],
    );
    const props = serverProperties(secure, secure.nodes[1] ?? assert.fail());
    for (const line of [
      'listeners=PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095,SASL_SSL://127.0.0.1:9194,SSL://127.0.0.1:9195',
      'advertised.listeners=PLAINTEXT://127.0.0.1:9094,SASL_SSL://127.0.0.1:9194,SSL://127.0.0.1:9195',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL',
      'inter.broker.listener.name=PLAINTEXT',
      'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
      'ssl.keystore.type=PEM',
      'ssl.client.auth=none',
      'listener.name.ssl.ssl.client.auth=required',
      'super.users=User:ANONYMOUS;User:payhook-admin',
    ]) {
      assert.ok(props.split('\n').includes(line), line);
    }
    assert.throws(
      () => stackKafkaLayout(settings({ PAYHOOK_DEV_SECURE: 'true', PAYHOOK_DEV_KAFKA_SECURE_PORT: '9093' })),
      (error: unknown) => error instanceof ConfigError && error.issues[0]?.variable === 'PAYHOOK_DEV_KAFKA_SECURE_PORT',
    );
  });

  it('refuses ports that collide, naming the variable', () => {
    const error = (() => {
      try {
        stackKafkaLayout(settings({ PAYHOOK_DEV_BROKERS: '3', PAYHOOK_DEV_CONTROLLER_PORT: '9094' }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof ConfigError);
    assert.equal(error.issues[0]?.variable, 'PAYHOOK_DEV_KAFKA_PORT');
    assert.match(
      error.issues[0]?.problem ?? '',
      /node 2 would listen on 9094, which PAYHOOK_DEV_CONTROLLER_PORT already takes/,
    );
    assert.throws(
      () => stackKafkaLayout(settings({ PAYHOOK_DEV_BROKERS: '2', PAYHOOK_DEV_KAFKA_PORT: '65534' })),
      /beyond 65535/,
    );
  });

  it('refuses a node count out of range, naming the variable', () => {
    assert.throws(() => settings({ PAYHOOK_DEV_BROKERS: '0' }), /PAYHOOK_DEV_BROKERS: must be from 1 to 5/);
    assert.throws(() => settings({ PAYHOOK_DEV_BROKERS: 'three' }), /PAYHOOK_DEV_BROKERS: must be a number/);
  });
});

describe('parseQuorumStatus', () => {
  it('reads the leader, epoch and voters of kafka-metadata-quorum describe --status', () => {
    const status = parseQuorumStatus(
      [
        'ClusterId:              5b24f453-af0e-4191-b3e8-06d5daea0be1',
        'LeaderId:               2',
        'LeaderEpoch:            7',
        'HighWatermark:          4282',
        'MaxFollowerLag:         3',
        'MaxFollowerLagTimeMs:   12',
        'CurrentVoters:          [{"id": 1, "directoryId": null, "endpoints": ["CONTROLLER://127.0.0.1:9093"]}, {"id": 2, "endpoints": ["CONTROLLER://127.0.0.1:9095"]}, {"id": 3, "endpoints": ["CONTROLLER://127.0.0.1:9097"]}]',
        'CurrentObservers:       []',
        '',
      ].join('\n'),
    );
    assert.deepEqual(status, {
      leaderId: 2,
      leaderEpoch: 7,
      highWatermark: 4282,
      maxFollowerLag: 3,
      voters: [1, 2, 3],
      observers: [],
    });
    // Older releases print the ids alone.
    assert.deepEqual(
      parseQuorumStatus(
        'LeaderId: 1\nLeaderEpoch: 1\nHighWatermark: 0\nMaxFollowerLag: 0\nCurrentVoters: [1,2,3]\nCurrentObservers: [4]',
      ).voters,
      [1, 2, 3],
    );
  });

  it('fails naming the missing field', () => {
    assert.throws(() => parseQuorumStatus('Error: timed out'), /no LeaderId/);
  });
});
