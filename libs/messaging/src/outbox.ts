import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '@shop/contracts';
import { currentContext, traceparentOf } from '@shop/runtime';

/** An event to be published: its logical topic, its partition key and its versioned payload. */
export interface OutgoingEvent<P extends object> {
  topic: string;
  type: string;
  version: number;
  key: string;
  payload: P;
  /** A deterministic id when retries must not create a second event; a random one otherwise. */
  eventId?: string;
  occurredAt?: Date;
  /** The trace the event continues when it is not the current one (e.g. a stored callback's); default: current. */
  traceparent?: string | null;
}

/** Builds the envelope for an outgoing event, carrying the current correlation id and trace. */
export function buildEnvelope<P extends object>(producer: string, event: OutgoingEvent<P>): EventEnvelope<P> {
  const eventId = event.eventId ?? randomUUID();
  const traceparent = event.traceparent ?? traceparentOf();
  return {
    eventId,
    type: event.type,
    version: event.version,
    occurredAt: (event.occurredAt ?? new Date()).toISOString(),
    key: event.key,
    correlationId: currentContext()?.correlationId ?? eventId,
    ...(traceparent ? { traceparent } : {}),
    producer,
    payload: event.payload,
  };
}

/**
 * Adds an event to the outbox inside the caller's transaction, so the event exists if and only if the state
 * change commits. Returns false when an event with the same id is already there (a repeat).
 */
export async function addToOutbox<P extends object>(
  manager: EntityManager,
  producer: string,
  event: OutgoingEvent<P>,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO outbox_events (event_id, topic, message_key, envelope) VALUES ($1, $2, $3, $4)
     ON CONFLICT (event_id) DO NOTHING RETURNING id`,
    outboxRow(producer, event),
  );
  return rows.length === 1;
}

/**
 * The values of an event's outbox row, in column order (event_id, topic, message_key, envelope), for a statement
 * that writes the row together with the state change in one round trip (`INSERT INTO outbox_events ... SELECT`).
 */
export function outboxRow<P extends object>(
  producer: string,
  event: OutgoingEvent<P>,
): [string, string, string, string] {
  const envelope = buildEnvelope(producer, event);
  return [envelope.eventId, event.topic, event.key, JSON.stringify(envelope)];
}
