export { ERROR_STATUS, type ErrorCode, statusFor } from "./codes.js";
export { EdgevmError, toEdgevmError } from "./edgevm-error.js";
export { type ErrorLog, errorResponse, publicError } from "./response.js";
export { type ErrorBody, errorBodySchema, errorCodeSchema } from "./schema.js";
