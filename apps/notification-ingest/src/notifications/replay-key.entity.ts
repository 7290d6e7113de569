import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One signed callback delivery seen within the replay window (see ReplayKeys): recorded in the transaction that
 * records its notification, purged once it is older than the window.
 */
@Entity({ name: 'callback_replay_keys' })
export class ReplayKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 20 })
  provider!: string;

  /** WeChat Pay "timestamp:nonce"; a digest when longer than 128 characters. */
  @PrimaryColumn({ name: 'replay_key', type: 'varchar', length: 128 })
  replayKey!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
