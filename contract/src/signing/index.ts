export { fromHex, timingSafeEqual, toHex } from "./encoding.js";
export {
  assertSignedRequest,
  type Body,
  canonicalString,
  DEFAULT_MAX_SKEW_MS,
  type HeaderSource,
  SIGNATURE_HEADER,
  SIGNATURE_VERSION,
  type SignedHeaders,
  type SignInput,
  signRequest,
  TIMESTAMP_HEADER,
  type VerifyFailureReason,
  type VerifyInput,
  type VerifyResult,
  verifyRequest,
} from "./signing.js";
