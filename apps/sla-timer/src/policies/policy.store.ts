import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DEFAULT_POLICY_DOCUMENT, parsePolicyDocument, type PolicyDocument } from '@relaydesk/business-time';
import { DataSource, type EntityManager } from 'typeorm';
import { PolicyVersionEntity } from './policy-version.entity';

export interface VersionedPolicy {
  version: number;
  document: PolicyDocument;
}

export type ReplaceOutcome =
  { ok: true; policy: VersionedPolicy } | { ok: false; errors: { field: string; message: string }[] };

/** Serialises concurrent replacements of the document (one version number each). */
const REPLACE_LOCK = 0x51a7_0001;

/**
 * The SLA policy document, versioned in Postgres. A replacement adds a version; inquiries keep the
 * version they were classified under (a PUT applies to inquiries classified after it). Parsed
 * documents are cached per version: they are immutable, and the business-time arithmetic caches per
 * calendar object, so the same object must be passed each time.
 */
@Injectable()
export class PolicyStore implements OnModuleInit {
  private readonly logger = new Logger(PolicyStore.name);
  private readonly parsed = new Map<number, PolicyDocument>();

  constructor(private readonly dataSource: DataSource) {}

  /** Version 1 is the built-in default, written once (replicas racing to write it is fine). */
  async onModuleInit(): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(PolicyVersionEntity)
      .values({ version: 1, document: DEFAULT_POLICY_DOCUMENT, createdBy: 'default' })
      .orIgnore()
      .execute();
  }

  /** The version in force (read from Postgres each time: another replica may have replaced it). */
  async current(manager: EntityManager = this.dataSource.manager): Promise<VersionedPolicy> {
    const rows: { version: number }[] = await manager.query(
      `SELECT max(version) AS version FROM ${this.table(manager)}`,
    );
    const version = rows[0]?.version;
    if (version === undefined || version === null) throw new Error('no SLA policy version stored');
    return { version, document: await this.byVersion(version, manager) };
  }

  async byVersion(
    version: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PolicyDocument> {
    const cached = this.parsed.get(version);
    if (cached) return cached;
    const row = await manager.findOne(PolicyVersionEntity, { where: { version } });
    if (!row) throw new Error(`SLA policy version ${version} does not exist`);
    const result = parsePolicyDocument(row.document);
    // A stored version passed validation when it was written; failing now is a bug, not bad input.
    if (!result.ok)
      throw new Error(`stored SLA policy version ${version} is invalid: ${result.errors.join('; ')}`);
    this.parsed.set(version, result.document);
    return result.document;
  }

  /** Validates and stores a new document; an invalid one changes nothing. */
  async replace(raw: unknown, by: string): Promise<ReplaceOutcome> {
    const result = parsePolicyDocument(raw);
    if (!result.ok) return { ok: false, errors: result.errors.map(toFieldError) };
    const version = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [REPLACE_LOCK]);
      const rows: { version: number }[] = await manager.query(
        `SELECT coalesce(max(version), 0) + 1 AS version FROM ${this.table(manager)}`,
      );
      const next = Number(rows[0].version);
      await manager.insert(PolicyVersionEntity, { version: next, document: result.document, createdBy: by });
      return next;
    });
    this.parsed.set(version, result.document);
    this.logger.log(`SLA policy version ${version} stored`);
    return { ok: true, policy: { version, document: result.document } };
  }

  private table(manager: EntityManager): string {
    return manager.connection
      .getMetadata(PolicyVersionEntity)
      .tablePath.split('.')
      .map((part) => `"${part}"`)
      .join('.');
  }
}

/** The lib reports `path: message`; the HTTP contract wants `{ field, message }`. */
function toFieldError(error: string): { field: string; message: string } {
  const at = error.indexOf(': ');
  return at < 0
    ? { field: '(body)', message: error }
    : { field: error.slice(0, at), message: error.slice(at + 2) };
}
