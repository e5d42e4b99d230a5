/** Emulator hosts in their region's directory: the wire protocol and the host's heartbeat loop. */

export {
  capacitySchema,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_PATH,
  type HeartbeatAck,
  HOST_TTL_MS,
  type HostHeartbeat,
  type HostLeave,
  hostHeartbeatSchema,
  hostLeaveSchema,
  LEAVE_PATH,
} from "@edgevm/contract";
export {
  HEARTBEAT_TIMEOUT_MS,
  LEAVE_TIMEOUT_MS,
  type MembershipStatus,
  RegionMembership,
  type RegionMembershipOptions,
} from "./membership.js";
export {
  NUDGE_MIN_INTERVAL_MS,
  type Scheduler,
  SYSTEM_SCHEDULER,
  type TimerHandle,
} from "./schedule.js";
export { JOIN_GRACE_MS, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from "./transitions.js";
