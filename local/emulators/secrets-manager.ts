import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeAtomic } from '../standins/sqs';
import { AwsServiceError, readBody, readJsonBody, sendJson11Error } from './aws-http';

interface StoredSecret {
  arn: string;
  name: string;
  createdDate: number;
  versionId: string;
  secretString: string;
}

/**
 * Secrets Manager (awsJson1_1, X-Amz-Target secretsmanager.*): CreateSecret, GetSecretValue, PutSecretValue,
 * DescribeSecret. Secrets live in one JSON file in the data folder, replaced atomically on every write.
 */
export class SecretsManagerEmulator {
  private readonly secrets: Record<string, StoredSecret>;

  constructor(
    private readonly file: string,
    private readonly region: string,
    private readonly accountId: string,
  ) {
    this.secrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, StoredSecret>) : {};
  }

  /** The ARN AWS would give a secret of this name (the 6-character suffix is random and stable once created). */
  arnFor(name: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix()}`;
  }

  /** Creates the secret unless it exists; returns its ARN. `value` is only computed when the secret is new. */
  async ensure(name: string, value: () => Promise<string> | string): Promise<string> {
    const existing = this.secrets[name];
    if (existing) return existing.arn;
    return this.create(name, await value()).ARN;
  }

  get(secretId: string): StoredSecret | undefined {
    return this.find(secretId);
  }

  async handle(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    try {
      const input = readJsonBody(await readBody(req));
      const output = this.dispatch(target.replace(/^secretsmanager\./, ''), input);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(output));
    } catch (error) {
      if (!(error instanceof AwsServiceError)) console.error('[secrets] internal error:', error);
      sendJson11Error(
        res,
        error instanceof AwsServiceError ? error : new AwsServiceError('InternalServiceError', String(error), 500),
      );
    }
  }

  private dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateSecret': {
        const name = stringField(input, 'Name');
        if (typeof input.SecretString !== 'string') {
          throw new AwsServiceError(
            'InvalidParameterException',
            'SecretString is required (SecretBinary is not emulated)',
          );
        }
        return this.create(name, input.SecretString);
      }
      case 'GetSecretValue': {
        const secret = this.require(stringField(input, 'SecretId'));
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.secretString,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate,
        };
      }
      case 'PutSecretValue': {
        const secret = this.require(stringField(input, 'SecretId'));
        if (typeof input.SecretString !== 'string') {
          throw new AwsServiceError(
            'InvalidParameterException',
            'SecretString is required (SecretBinary is not emulated)',
          );
        }
        secret.secretString = input.SecretString;
        secret.versionId = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
        this.save();
        return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId, VersionStages: ['AWSCURRENT'] };
      }
      case 'DescribeSecret': {
        const secret = this.require(stringField(input, 'SecretId'));
        return { ARN: secret.arn, Name: secret.name, CreatedDate: secret.createdDate };
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `secretsmanager.${operation} is not emulated locally`);
    }
  }

  private create(name: string, secretString: string) {
    if (this.secrets[name]) {
      throw new AwsServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const secret: StoredSecret = {
      arn: this.arnFor(name),
      name,
      createdDate: Date.now() / 1000,
      versionId: randomUUID(),
      secretString,
    };
    this.secrets[name] = secret;
    this.save();
    return { ARN: secret.arn, Name: secret.name, VersionId: secret.versionId };
  }

  private find(secretId: string): StoredSecret | undefined {
    return Object.values(this.secrets).find(
      (s) => s.name === secretId || s.arn === secretId || s.arn.slice(0, -7) === secretId,
    );
  }

  private require(secretId: string): StoredSecret {
    const secret = this.find(secretId);
    if (!secret)
      throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  private save(): void {
    // Private keys live in here: readable by the owner only.
    writeAtomic(this.file, JSON.stringify(this.secrets, null, 2), 0o600);
  }
}

function stringField(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '')
    throw new AwsServiceError('InvalidParameterException', `${name} is required`);
  return value;
}

function suffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}
