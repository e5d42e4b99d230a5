/** Errors raised by AgentChannel. All extend AgentChannelError so callers can catch them as one. */

export class AgentChannelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AgentChannelError";
  }
}

/**
 * The channel is unusable: the stream ended or failed, a corrupt frame arrived, or `close()` was
 * called. Every pending promise of the channel rejects with the same instance.
 */
export class AgentChannelClosedError extends AgentChannelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AgentChannelClosedError";
  }
}

/** The agent answered a request with an ERROR frame. */
export class AgentRemoteError extends AgentChannelError {
  readonly id: number;

  constructor(id: number, message: string) {
    super(message);
    this.name = "AgentRemoteError";
    this.id = id;
  }
}

/** A wait with a deadline (e.g. `waitReady`) ran out of time; the channel stays open. */
export class AgentTimeoutError extends AgentChannelError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.name = "AgentTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}
