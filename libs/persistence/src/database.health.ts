import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@shop/runtime';
import { DataSource } from 'typeorm';

/** Readiness check: the service's own database answers a trivial query. */
@Injectable()
export class DatabaseHealth implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      name: 'database',
      check: async () => {
        await this.dataSource.query('SELECT 1');
      },
    });
  }
}
