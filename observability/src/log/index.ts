export {
  createLogger,
  isLogLevel,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  levelFromEnv,
  serializeLine,
  silentLogger,
} from "./logger.js";
