import { Inject, Injectable } from '@nestjs/common';
import { quoteIdent } from '@relaydesk/persistence';
import { APP_CONFIG } from '@relaydesk/runtime';
import type { AssignmentConfig } from '../config';

/** Qualified names of the service's tables (the schema comes from the configuration, never hard-coded). */
@Injectable()
export class Tables {
  readonly agents: string;
  readonly inquiries: string;
  readonly assignments: string;
  readonly messages: string;

  constructor(@Inject(APP_CONFIG) config: AssignmentConfig) {
    const schema = quoteIdent(config.DB_SCHEMA);
    this.agents = `${schema}.agents`;
    this.inquiries = `${schema}.inquiries`;
    this.assignments = `${schema}.assignments`;
    this.messages = `${schema}.messages`;
  }
}
