/**
 * One pipeline instance per consumer group (the direct runner's model): before joining, the group must be empty,
 * and a member that finds another sharing the group's partitions stops (the newer one at once, the leader after a
 * bound). Partitions are never handed over between live instances; scale-out is the Flink runner's job.
 */
import { KafkaClientError, type GroupMember, type KafkaAdmin } from "../../../io/kafka/kafka_client";
import type { Millis } from "../../../model/model";
import { describeDuration } from "../../../lib/durations";

/** How long open() waits for a previous run to leave the group: its session timeout (10 s) and a margin. */
const DEFAULT_GROUP_WAIT_MS = 15_000;
/**
 * How long the group's leader tolerates sharing the partitions (the other member should leave: a newer instance
 * stops at once, a dying one is expelled after its session timeout) before it stops too.
 */
const SHARED_BOUND_MS = 30_000;

/** The one-line error of a second instance in a consumer group. */
export function groupInUse(groupId: string, detail: string): KafkaClientError {
  return new KafkaClientError(
    `consumer group ${groupId} is in use by another running instance (${detail}): the direct runner runs one ` +
      "pipeline per consumer group; stop the other instance or pass another --group-id",
    false,
  );
}

function describeMembers(members: readonly GroupMember[]): string {
  return members.map((m) => `${m.clientId} on ${m.clientHost.replace(/^\//, "")}`).join(", ");
}

export class GroupGuard {
  /** Since when another member shares the group's partitions (undefined: this member has them all). */
  private sharedSince: Millis | undefined;
  /** How long open() waited for a previous run to leave (ms). */
  waitedMs = 0;

  constructor(
    private readonly groupId: string,
    private readonly groupWaitMs: Millis | undefined,
    private readonly now: () => Millis,
  ) {}

  /**
   * Before joining: a member still there may be a previous run that is dying (a SIGKILLed process stays a member
   * until its session times out): wait for it, bounded; a member still there after that is a running instance.
   */
  async waitForGroupToBeFree(admin: KafkaAdmin, closing: () => boolean): Promise<void> {
    const bound = this.groupWaitMs ?? DEFAULT_GROUP_WAIT_MS;
    const deadline = this.now() + bound;
    let members = await admin.groupMembers(this.groupId);
    if (members.length === 0) return;
    process.stderr.write(
      `kafka source: consumer group ${this.groupId} still has ${members.length} member(s) (${describeMembers(members)}); ` +
        `waiting up to ${describeDuration(bound)} for a previous run to leave\n`,
    );
    while (members.length > 0 && this.now() < deadline && !closing()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      members = await admin.groupMembers(this.groupId);
    }
    if (members.length > 0) throw groupInUse(this.groupId, describeMembers(members));
    this.waitedMs = bound - (deadline - this.now());
  }

  /**
   * At each assignment: `mine` of the topic's `total` partitions. Returns the error that stops a member that is not
   * the leader while it shares them.
   */
  assigned(mine: number, total: number, isLeader: boolean): KafkaClientError | undefined {
    if (mine >= total) {
      this.sharedSince = undefined;
      return undefined;
    }
    this.sharedSince ??= this.now();
    return isLeader ? undefined : groupInUse(this.groupId, `this instance got ${mine} of ${total} partitions`);
  }

  /** The error that stops the leader once it has shared the partitions past the bound. */
  check(): KafkaClientError | undefined {
    const since = this.sharedSince;
    if (since === undefined || this.now() - since <= Math.max(this.groupWaitMs ?? 0, SHARED_BOUND_MS)) return undefined;
    return groupInUse(this.groupId, `partitions shared for ${describeDuration(this.now() - since)}`);
  }
}
