// Integration tests wait on real brokers and databases: group joins and rebalances take seconds, not millis.
jest.setTimeout(60_000);
