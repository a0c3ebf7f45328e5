/**
 * Lambda's invocation payload limits (Lambda API reference, Invoke: "For synchronous invocations, the maximum
 * payload size is 6 MB. For asynchronous invocations, the maximum payload size is 1 MB."), for the request and the
 * response each. One home: the local Lambda runtime refuses what Lambda refuses, and handlers that answer with large
 * documents (a meeting's whiteboards) keep their answers under it.
 */
export const LAMBDA_PAYLOAD_LIMITS = {
  /** RequestResponse invocations: the event, and the handler's result, each as JSON. */
  syncBytes: 6 * 1024 * 1024,
  /** Event (asynchronous) invocations: the event as JSON. */
  asyncBytes: 1024 * 1024,
} as const;
