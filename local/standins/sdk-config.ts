export const LOCAL_REGION = 'us-east-1';
// s3rver accepts only this key pair (it does not verify signatures, but it checks the key id); the other
// stand-ins accept anything, so every client locally uses it.
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Config for the SDK clients the local cloud itself uses to set up and poll its stand-ins. */
export function localClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
}
