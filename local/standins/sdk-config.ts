export const LOCAL_REGION = 'us-east-1';
// s3rver accepts only this key id (it does not verify signatures, but it checks the id); the stand-ins accept any
// signature, so the local cloud's own clients for them use this pair. The emulators (Data API, Secrets Manager,
// Lambda, @connections) verify signatures against the per-data-folder secret instead (local-credentials.ts).
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Config for the SDK clients the local cloud itself uses to set up and poll its stand-ins. */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}
