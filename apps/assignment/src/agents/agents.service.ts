import { Injectable, Logger } from '@nestjs/common';
import type { Presence } from '@relaydesk/contracts';
import type { AgentPrincipal } from '@relaydesk/runtime';
import { DataSource } from 'typeorm';
import { DomainError, DomainErrorCode } from '../common/domain-error';
import { Tables } from '../common/tables';
import type { AgentRow, InquiryRow } from '../routing/inquiry.row';
import { RoutingService } from '../routing/routing.service';
import type { AgentView, MyInquiryView, PresenceView, PutAgent } from './agents.dto';

export function agentView(row: AgentRow): AgentView {
  return {
    id: row.id,
    name: row.name,
    languages: row.languages,
    skills: row.skills,
    capacity: row.capacity,
    tier: row.tier,
    presence: row.presence,
    load: row.load,
  };
}

/** Agents: their profile (skills, languages, capacity, tier) and presence. */
@Injectable()
export class AgentsService {
  private readonly logger = new Logger(AgentsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: Tables,
    private readonly routing: RoutingService,
  ) {}

  /** Creates or replaces an agent's profile; new skills or capacity may let waiting inquiries through. */
  async put(id: string, profile: PutAgent): Promise<{ agent: AgentView; created: boolean }> {
    return this.routing.transact(async (manager, effects) => {
      const [row] = await manager.query<(AgentRow & { created: boolean })[]>(
        `INSERT INTO ${this.tables.agents} (id, name, languages, skills, capacity, tier)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, languages = EXCLUDED.languages,
           skills = EXCLUDED.skills, capacity = EXCLUDED.capacity, tier = EXCLUDED.tier, updated_at = now()
         RETURNING *, (xmax = 0) AS created`,
        [
          id,
          profile.name,
          [...new Set(profile.languages)],
          [...new Set(profile.skills)],
          profile.capacity,
          profile.tier,
        ],
      );
      effects.dispatch = row.presence === 'online';
      return { agent: agentView(row), created: row.created };
    });
  }

  /**
   * Online: waiting inquiries may come at once. Away: keeps what it holds, gets nothing new. Offline:
   * the inquiries it has not replied to go back to the queue, ahead of their priority.
   */
  async setPresence(id: string, status: Presence, caller: AgentPrincipal): Promise<PresenceView> {
    if (caller.role === 'agent' && caller.sub !== id)
      throw new DomainError(DomainErrorCode.NotThatAgent, 'an agent may only set their own presence');
    return this.routing.transact(async (manager, effects) => {
      // The agent row first: from here no dispatch can give this agent anything while it goes offline.
      const [row] = await manager.query<[AgentRow[], number]>(
        `UPDATE ${this.tables.agents} SET presence = $2, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, status],
      );
      if (!row[0]) throw new DomainError(DomainErrorCode.AgentNotFound, `no agent ${id}`);
      const requeued: string[] = [];
      if (status === 'offline') {
        const held = await manager.query<InquiryRow[]>(
          `SELECT i.* FROM ${this.tables.inquiries} i JOIN ${this.tables.assignments} a ON a.id = i.assignment_id
            WHERE i.agent_id = $1 AND i.status = 'assigned' AND a.replied_at IS NULL
            ORDER BY i.id FOR UPDATE OF i`,
          [id],
        );
        for (const inquiry of held) {
          await this.routing.requeue(manager, inquiry, 'agent_offline', effects);
          requeued.push(inquiry.id);
        }
      }
      if (status === 'online') effects.dispatch = true;
      const [fresh] = await manager.query<AgentRow[]>(`SELECT * FROM ${this.tables.agents} WHERE id = $1`, [
        id,
      ]);
      if (requeued.length > 0)
        this.logger.log(`agent ${id} went offline; ${requeued.length} inquiries requeued`);
      return { ...agentView(fresh), requeued };
    });
  }

  async myInquiries(agentId: string): Promise<MyInquiryView[]> {
    const rows = await this.dataSource.query<InquiryRow[]>(
      `SELECT * FROM ${this.tables.inquiries}
        WHERE agent_id = $1 AND status IN ('assigned', 'awaiting_customer') ORDER BY assigned_at`,
      [agentId],
    );
    return rows.map((row) => ({
      inquiryId: row.id,
      status: row.status,
      category: row.category!,
      priority: row.priority!,
      language: row.language!,
      needsReview: row.needs_review,
      translationNeeded: row.translation_needed,
      pool: row.pool!,
      escalationLevel: row.escalation_level,
      acceptedAt: (row.accepted_at ?? row.classified_at)!.toISOString(),
      assignedAt: row.assigned_at!.toISOString(),
      ...slaDue(row),
    }));
  }
}

export function slaDue(row: InquiryRow): { firstResponseDueAt?: string; resolutionDueAt?: string } {
  const sla = row.sla as { firstResponseDueAt?: string; resolutionDueAt?: string } | null;
  return {
    ...(sla?.firstResponseDueAt ? { firstResponseDueAt: sla.firstResponseDueAt } : {}),
    ...(sla?.resolutionDueAt ? { resolutionDueAt: sla.resolutionDueAt } : {}),
  };
}
