// `npm run dlq -- <command>`: the dead letters of the local (or any) Kafka. A message that kept failing is on
// "<topic>.dlq" with the error in its headers; once the cause is fixed, `replay` sends it back to its topic.
// Replaying is safe: consumers apply each event id once (inbox), and each dead letter is replayed only once.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const USAGE = `Usage: npm run dlq -- <command>
  list             every dead-letter topic: dead letters held and not yet replayed
  show <topic>     each dead letter of a topic: event, where it failed, when, the error, replayed or not
  replay <topic>   publish the dead letters not yet replayed back to the topic they failed on
  <topic>: a topic as the services name it (payments.payment-succeeded.v1) or its dead-letter topic (....dlq)
Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX (default none, as npm start runs).
Exit code: 0 done, 1 Kafka unreachable or the replay failed, 2 bad usage.`;

function usage(problem) {
  if (problem) process.stderr.write(`${problem}\n\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

async function main() {
  const [command, topicArg, ...rest] = process.argv.slice(2);
  if (!['list', 'show', 'replay'].includes(command ?? '')) usage(command ? `unknown command ${command}` : undefined);
  if (command !== 'list' && !topicArg) usage(`${command} needs a topic`);
  if (rest.length > 0) usage(`unexpected arguments: ${rest.join(' ')}`);

  const messaging = require(path.join(ROOT, 'dist/libs/messaging/src/index.js'));
  const { Topics } = require(path.join(ROOT, 'dist/libs/contracts/src/index.js'));
  // The same KAFKA_* variables as the services (TLS and SASL included).
  const settings = messaging.kafkaSettingsFromEnv(process.env, 'dlq-tool');
  const kafka = messaging.createKafka(settings, undefined, { retry: { retries: 2 } });

  let topic;
  if (topicArg) {
    const logical = topicArg.endsWith('.dlq') ? topicArg.slice(0, -4) : topicArg;
    if (!Object.values(Topics).includes(logical)) {
      usage(`unknown topic ${topicArg}; topics: ${Object.values(Topics).join(', ')}`);
    }
    topic = messaging.deadLetterTopic(settings, logical);
  }

  try {
    if (command === 'list') {
      const summary = await messaging.deadLetterSummary(kafka, settings);
      if (summary.length === 0) process.stdout.write('no dead-letter topics on this broker (yet)\n');
      for (const { topic: name, total, pending } of summary) {
        process.stdout.write(
          `${name.padEnd(48)} ${String(total).padStart(6)} dead letter(s), ${pending} not replayed\n`,
        );
      }
    } else if (command === 'show') {
      const letters = await messaging.readDeadLetters(kafka, settings, topic);
      if (letters.length === 0) process.stdout.write(`${topic}: no dead letters\n`);
      for (const l of letters) {
        process.stdout.write(
          `${topic} ${l.partition}@${l.offset}${l.replayed ? ' (replayed)' : ''}\n` +
            `  event:     ${l.eventType ?? '?'} ${l.eventId ?? '(value is not an event envelope)'} key ${l.key ?? '-'}\n` +
            `  failed on: ${l.originalTopic} ${l.originalPartition ?? '?'}@${l.originalOffset ?? '?'} at ${l.failedAt ?? '?'} after ${l.attempts ?? '?'} attempt(s)\n` +
            `  error:     ${l.error}\n`,
        );
      }
    } else {
      const result = await messaging.replayDeadLetters(kafka, settings, topic);
      process.stdout.write(`${topic}: ${result.replayed.length} dead letter(s) replayed\n`);
      for (const r of result.replayed) {
        process.stdout.write(
          `  ${r.partition}@${r.offset} -> ${r.originalTopic}${r.eventId ? ` (${r.eventId})` : ''}\n`,
        );
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `dlq ${command} failed: ${reason}\nIs Kafka running at ${settings.brokers.join(',')}? (npm run kafka -- status)\n`,
    );
    process.exit(1);
  }
}

await main();
