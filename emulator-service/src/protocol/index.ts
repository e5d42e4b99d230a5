/** Host side of the guest agent protocol (docs/PROTOCOL.md). */
export { AgentChannel, type ExecOptions, type WriteFileOptions } from "./channel.js";
export {
  AgentChannelClosedError,
  AgentChannelError,
  AgentRemoteError,
  AgentTimeoutError,
} from "./errors.js";
export type { ExecSession, OutputListener } from "./exec-session.js";
export {
  encodeFrame,
  FRAME_HEADER_SIZE,
  type Frame,
  FrameDecoder,
  FrameType,
  type FrameTypeName,
  frameTypeName,
  GUEST_TO_HOST_TYPES,
  HOST_TO_GUEST_TYPES,
  isFrameType,
  MAX_FRAME_PAYLOAD,
  MAX_OUTPUT_CHUNK,
  ProtocolError,
  type ProtocolErrorReason,
} from "./frame.js";
export * from "./messages.js";
