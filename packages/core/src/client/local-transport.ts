import type { Broker } from "../engine/broker.js";
import type { GroupSettings } from "../engine/group-settings.js";
import type {
  AppendRequest,
  DeadLetter,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
  TransactionAction,
  TransactionChecker,
  TransactionInfo,
} from "../model.js";
import type {
  CallOptions,
  ReadOptions,
  ReceiveOptions,
  SendBackOptions,
  TopicInfo,
  Transport,
} from "./transport.js";

/** A Transport straight into an in-process Broker: same semantics as HTTP, no network. */
export class LocalTransport implements Transport {
  constructor(private readonly broker: Broker) {}

  async topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    checkSignal(options);
    return { topic, queueCount: this.broker.topicConfig(topic).queueCount };
  }

  async send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    checkSignal(options);
    return this.broker.send(topic, request);
  }

  async read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    checkSignal(options);
    return this.broker.read(topic, queueId, options);
  }

  async getOffsets(
    topic: string,
    group: string,
    options?: CallOptions,
  ): Promise<Record<string, number>> {
    checkSignal(options);
    return this.broker.getOffsets(topic, group);
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void> {
    checkSignal(options);
    await this.broker.commitOffsets(topic, group, offsets, options?.reset === true);
  }

  async receive(
    topic: string,
    group: string,
    options: ReceiveOptions = {},
  ): Promise<LeasedMessage[]> {
    checkSignal(options);
    return this.broker.receive(topic, group, options);
  }

  async ack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions,
  ): Promise<void> {
    checkSignal(options);
    await this.broker.ack(topic, group, receipts);
  }

  async nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void> {
    checkSignal(options);
    await this.broker.nack(topic, group, receipts, options?.delayMs);
  }

  async extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
    options?: CallOptions,
  ): Promise<void> {
    checkSignal(options);
    await this.broker.extend(topic, group, receipts, visibilityMs);
  }

  async sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options?: SendBackOptions,
  ): Promise<void> {
    checkSignal(options);
    await this.broker.sendBack(topic, group, message.queueId, message.offset, options?.delayMs);
  }

  async getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message> {
    checkSignal(options);
    return this.broker.getMessage(topic, msgId);
  }

  async queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]> {
    checkSignal(options);
    return this.broker.queryByKey(
      topic,
      key,
      options?.limit === undefined ? {} : { limit: options.limit },
    );
  }

  async listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]> {
    checkSignal(options);
    return this.broker.listDeadLetters(topic, group, options?.limit);
  }

  async redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number> {
    checkSignal(options);
    const { signal: _signal, ...rest } = options ?? {};
    return this.broker.redrive(topic, group, rest);
  }

  async groupSettings(topic: string, group: string, options?: CallOptions): Promise<GroupSettings> {
    checkSignal(options);
    return this.broker.groupSettings(topic, group);
  }

  async setGroupSettings(
    topic: string,
    group: string,
    settings: GroupSettings,
    options?: CallOptions,
  ): Promise<GroupSettings> {
    checkSignal(options);
    return this.broker.setGroupSettings(topic, group, settings);
  }

  async stats(topic: string, options?: CallOptions): Promise<TopicStats> {
    checkSignal(options);
    return this.broker.stats(topic);
  }

  async endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo> {
    checkSignal(options);
    return this.broker.endTransaction(topic, txId, action);
  }

  async listTransactions(
    topic: string,
    filter: { producerId?: string; state?: "unknown" | "pending" } = {},
    options?: CallOptions,
  ): Promise<TransactionInfo[]> {
    checkSignal(options);
    return this.broker.listTransactions(topic, filter);
  }

  onTransactionCheck(producerId: string, checker: TransactionChecker): () => void {
    return this.broker.onTransactionCheck(producerId, checker);
  }
}

function checkSignal(options: CallOptions | undefined): void {
  options?.signal?.throwIfAborted();
}
