import type { EntityManager } from 'typeorm';

/**
 * Records that `consumer` applied `eventId`, inside the caller's transaction. Returns false when it was
 * already recorded: the caller then skips the event, and its transaction changes nothing.
 */
export async function recordInInbox(
  manager: EntityManager,
  consumer: string,
  eventId: string,
  topic: string,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO inbox_events (consumer, event_id, topic) VALUES ($1, $2, $3)
     ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
    [consumer, eventId, topic],
  );
  return rows.length === 1;
}
