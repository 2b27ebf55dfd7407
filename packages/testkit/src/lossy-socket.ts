import net from 'node:net';
import { type ISocketFactory, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { testEnvironment, uniqueName } from './environment.ts';

const PRODUCE_API_KEY = 0;

/** A kafkajs socket factory whose connections can lose the broker's answers to produce requests. */
export interface LossyProduceAnswers {
  /** For kafkajs's `socketFactory` option. */
  readonly socketFactory: ISocketFactory;
  /** While true, an answer to a produce request closes its connection instead of arriving. */
  dropping: boolean;
  /** While true, new connections fail as to a broker that is down (connections open stay). */
  refusing: boolean;
}

/**
 * Sockets to the real broker that, while `dropping`, close the connection instead of handing
 * over the broker's answer to a produce request: the broker wrote the batch and the client
 * never learns it, as when a broker dies between replicating a batch and answering.
 */
export function lossyProduceAnswers(): LossyProduceAnswers {
  const control: LossyProduceAnswers = {
    dropping: false,
    refusing: false,
    socketFactory: ({ host, port, onConnect }) => {
      if (control.refusing) {
        const refused = new net.Socket();
        // After kafkajs has put its listeners on the socket.
        setImmediate(() => refused.destroy(new Error(`connection to ${host}:${port} refused`)));
        return refused;
      }
      const socket = net.connect({ host, port }, onConnect);
      // Correlation ids of the produce requests written on this connection.
      const produce = new Set<number>();
      const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        // A request starts: size (int32), api key (int16), api version (int16), correlation id (int32).
        if (Buffer.isBuffer(chunk) && chunk.length >= 12 && chunk.readInt16BE(4) === PRODUCE_API_KEY) {
          produce.add(chunk.readInt32BE(8));
        }
        return write(chunk, ...rest);
      }) as typeof socket.write;
      const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
      socket.emit = ((event: string | symbol, ...args: unknown[]) => {
        const data = args[0];
        // A response starts: size (int32), correlation id (int32).
        if (event === 'data' && control.dropping && Buffer.isBuffer(data) && data.length >= 8) {
          if (produce.has(data.readInt32BE(4))) {
            socket.destroy(new Error('the answer to a produce request was dropped'));
            return true;
          }
        }
        return emit(event, ...args);
      }) as typeof socket.emit;
      return socket;
    },
  };
  return control;
}

/**
 * A client of the test brokers over {@link lossyProduceAnswers} sockets, with kafkajs's own log
 * silenced (the connections it loses are the point). `config` adds to or overrides its options.
 */
export function lossyKafka(config: Partial<KafkaConfig> = {}): { kafka: Kafka; lossy: LossyProduceAnswers } {
  const lossy = lossyProduceAnswers();
  const kafka = new Kafka({
    brokers: [...testEnvironment.kafkaBrokers],
    clientId: uniqueName('lossy'),
    socketFactory: lossy.socketFactory,
    logLevel: logLevel.NOTHING,
    ...config,
  });
  return { kafka, lossy };
}
