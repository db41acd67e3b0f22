import { BaseRpcContext } from '@nestjs/microservices';
import type { KafkaHeaders } from './headers';

type EventContextArgs = [
  topic: string,
  partition: number,
  offset: string,
  headers: KafkaHeaders,
  attempt: number,
];

/** What a handler may know about the message besides its envelope (`@Ctx() ctx: EventContext`). */
export class EventContext extends BaseRpcContext<EventContextArgs> {
  /** Logical topic (without the environment's prefix). */
  get topic(): string {
    return this.args[0];
  }
  get partition(): number {
    return this.args[1];
  }
  get offset(): string {
    return this.args[2];
  }
  get headers(): KafkaHeaders {
    return this.args[3];
  }
  /** 1 on the first delivery to the handler, 2 on the first retry... */
  get attempt(): number {
    return this.args[4];
  }
}
