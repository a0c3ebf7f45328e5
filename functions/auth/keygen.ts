import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { secrets } from '../shared/aws-clients';
import { logger } from '../shared/logger';
import { generateAuthKeySecret, importAuthKeySecret } from './keys';

/** Properties the CDK passes to the custom resource (Provider framework, `onEvent` = this handler). */
export interface AuthKeygenProperties {
  /** ARN of the Secrets Manager secret that will hold `{kid, privateJwk, publicJwk}`. */
  SecretArn: string;
}

export interface ProviderResponse {
  PhysicalResourceId: string;
}

/** True when the secret already holds a usable key pair (so a retried Create never invalidates live sessions). */
async function holdsKeys(secretArn: string): Promise<boolean> {
  try {
    const out = await secrets().send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!out.SecretString) return false;
    await importAuthKeySecret(out.SecretString);
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    // A fresh secret made without a value has no version yet; a generated placeholder is not a key pair.
    if (name === 'ResourceNotFoundException' || (error instanceof Error && /auth key secret/.test(error.message))) {
      return false;
    }
    throw error;
  }
}

async function initialise(secretArn: string): Promise<void> {
  if (await holdsKeys(secretArn)) {
    logger.info('auth keys already present, left unchanged');
    return;
  }
  await secrets().send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: await generateAuthKeySecret() }));
  logger.info('auth signing key pair generated');
}

/**
 * Generates the ES256 signing keys once, at stack creation. Updates and deletes leave them alone: rotating keys
 * signs every user out, so it is a deliberate act (put a new value), never a side effect of a deploy. The one
 * exception is an Update that points at a different, empty secret, which would otherwise break every sign-in.
 */
export async function handler(
  event: CloudFormationCustomResourceEvent<AuthKeygenProperties, AuthKeygenProperties>,
): Promise<ProviderResponse> {
  const secretArn = event.ResourceProperties.SecretArn;
  if (!secretArn) throw new Error('AuthKeygen custom resource needs the SecretArn property');
  switch (event.RequestType) {
    case 'Create':
      await initialise(secretArn);
      return { PhysicalResourceId: `auth-keys:${secretArn}` };
    case 'Update':
      if (event.OldResourceProperties.SecretArn !== secretArn) await initialise(secretArn);
      return { PhysicalResourceId: event.PhysicalResourceId };
    case 'Delete':
      return { PhysicalResourceId: event.PhysicalResourceId };
  }
}
