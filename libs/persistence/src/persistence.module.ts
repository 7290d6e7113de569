import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceConfig } from '@shop/runtime';
import { postgresOptions, type SchemaDefinition } from './data-source-options';
import { DatabaseHealth } from './database.health';
import { PaymentLogSealerService } from './payment-log-sealer';

/**
 * The service's TypeORM DataSource on its own database. The database is created and migrated before Nest
 * starts, by the service's prepare step (prepareDatabase), so every replica sees a finished schema.
 */
@Module({})
export class PersistenceModule {
  static forRoot(service: string, schema: SchemaDefinition): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ServiceConfig],
          useFactory: (config: ServiceConfig) => ({
            ...postgresOptions(config, schema, service),
            migrationsRun: false,
            // The prepare step already proved the server answers; retrying here only delays a clear failure.
            retryAttempts: 2,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [DatabaseHealth, PaymentLogSealerService],
    };
  }
}
