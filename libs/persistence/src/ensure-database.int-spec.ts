import 'reflect-metadata';
import { testDatabaseConfig, uniqueName } from '@shop/testing';
import { dropDatabase, ensureDatabase } from './ensure-database';

// Replicas of a service start together (npm start -- --replicas 2, a Deployment rolling out): each one creates
// the database when it is missing, and every one of them must start.
describe('ensureDatabase from several replicas at once', () => {
  const names: string[] = [];
  afterAll(async () => {
    for (const name of names) await dropDatabase(testDatabaseConfig(name), name);
  });

  it('creates the database once and answers every caller, however the creation race falls', async () => {
    // The race is a matter of timing: several rounds make losing it (in either of its forms) all but certain.
    for (let round = 0; round < 8; round++) {
      const name = uniqueName('ensure_db');
      names.push(name);
      const config = testDatabaseConfig(name);
      const outcomes = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(config)));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'exists')).toHaveLength(3);
    }
  });
});
