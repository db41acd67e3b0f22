import { Module } from '@nestjs/common';
import { EventStreams } from './event-streams.service';
import { StatusController } from './status.controller';
import { TimelineConsumer } from './timeline.consumer';
import { TimelineNotifier } from './timeline-notifier.service';
import { TimelineRepository } from './timeline.repository';
import { TimelineService } from './timeline.service';

/** The customer side: the status projection fed by every inquiry.* and sla.* event, its API and live stream. */
@Module({
  controllers: [StatusController, TimelineConsumer],
  providers: [TimelineRepository, TimelineService, TimelineNotifier, EventStreams],
})
export class TrackingModule {}
