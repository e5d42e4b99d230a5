export { ERROR_STATUS, type ErrorCode, statusFor } from "./codes.js";
export { EdgevmError, type ErrorBody, toEdgevmError } from "./edgevm-error.js";
