import { Module } from '@nestjs/common';
import { AdapterAuthGuard } from '../adapters/adapter-auth.guard';
import { AdapterRateLimiter } from '../adapters/adapter-rate-limiter.service';
import { InquiriesController } from './inquiries.controller';
import { InquiryRepository } from './inquiry.repository';
import { IntakeService } from './intake.service';

/** The adapter API: signed posts, dedupe, threads. */
@Module({
  controllers: [InquiriesController],
  providers: [AdapterAuthGuard, AdapterRateLimiter, InquiryRepository, IntakeService],
})
export class InquiriesModule {}
