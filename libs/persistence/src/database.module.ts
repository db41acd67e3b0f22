import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type BaseEnv, ReadinessRegistry } from '@relaydesk/runtime';
import { DataSource, type MixedList } from 'typeorm';
import { ensureDatabase, ensureSchema } from './database';

export interface DatabaseModuleOptions {
  entities: MixedList<string | (new () => unknown)>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

type DatabaseConfig = BaseEnv & { DB_SCHEMA: string; SERVICE_NAME: string };

/**
 * The service's Postgres schema through TypeORM: database and schema created if missing, migrations
 * run at start (never `synchronize`), and a readiness check.
 */
@Module({})
export class DatabaseModule implements OnModuleInit {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}

  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: async (config: DatabaseConfig) => {
            await ensureDatabase(config.DATABASE_URL);
            await ensureSchema(config.DATABASE_URL, config.DB_SCHEMA);
            return {
              type: 'postgres' as const,
              url: config.DATABASE_URL,
              schema: config.DB_SCHEMA,
              entities: options.entities,
              migrations: options.migrations,
              migrationsRun: true,
              migrationsTransactionMode: 'each' as const,
              synchronize: false,
              applicationName: `relaydesk-${config.SERVICE_NAME}`,
              extra: { max: options.poolSize ?? config.DB_POOL_SIZE },
            };
          },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }

  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}
