import { type DynamicModule, Module } from '@nestjs/common';
import { Topic } from '@relaydesk/contracts';
import { MessagingModule, MessagingTables1764000000000 } from '@relaydesk/messaging';
import { DatabaseModule, RedisModule } from '@relaydesk/persistence';
import { AgentAuthModule, RuntimeModule } from '@relaydesk/runtime';
import type { NotificationConfig } from './config';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DeliveriesRepository } from './deliveries/deliveries.repository';
import { DeliveryProcessor } from './deliveries/delivery.processor';
import { DeliveryQueues } from './deliveries/delivery.queues';
import { DeliveryWorkers } from './deliveries/delivery.workers';
import { NotificationTables1764100000000 } from './migrations/1764100000000-notification-tables';
import { AcknowledgementGraceProcessor } from './notifications/acknowledgement-grace.processor';
import { NotificationsConsumer } from './notifications/notifications.consumer';
import { NotificationsService } from './notifications/notifications.service';
import { RecipientsRepository } from './recipients/recipients.repository';
import { TemplateRenderer } from './templates/template.renderer';
import { EmailTransport } from './transports/email.transport';
import { WebhookTransport } from './transports/webhook.transport';

@Module({})
export class AppModule {
  static forRoot(config: NotificationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(config),
        DatabaseModule.forRoot({
          entities: [],
          migrations: [MessagingTables1764000000000, NotificationTables1764100000000],
        }),
        RedisModule.forRoot(),
        MessagingModule.forRoot({ produces: [Topic.NotificationSent, Topic.NotificationFailed] }),
        AgentAuthModule.forRoot(config.AGENT_JWT_SECRET),
      ],
      controllers: [NotificationsConsumer, DeliveriesController],
      providers: [
        TemplateRenderer,
        RecipientsRepository,
        DeliveriesRepository,
        EmailTransport,
        WebhookTransport,
        DeliveryQueues,
        DeliveryProcessor,
        DeliveryWorkers,
        NotificationsService,
        AcknowledgementGraceProcessor,
      ],
    };
  }
}
