import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * The recordings bucket's one CORS rule. Browsers upload straight to S3 with presigned PUT (multipart parts) or
 * POST and play recordings with presigned GET; ETag must be readable to complete a multipart upload.
 */
export function recordingsCorsRule(allowedOrigins: string[]): s3.CorsRule {
  return {
    allowedOrigins,
    allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
    allowedHeaders: ['*'],
    exposedHeaders: ['ETag'],
    maxAge: 3000,
  };
}

/** The S3 API shape (PutBucketCors) of a CDK CORS rule. */
function toApiRule(rule: s3.CorsRule): Record<string, unknown> {
  return {
    AllowedOrigins: rule.allowedOrigins,
    AllowedMethods: rule.allowedMethods,
    ...(rule.allowedHeaders ? { AllowedHeaders: rule.allowedHeaders } : {}),
    ...(rule.exposedHeaders ? { ExposeHeaders: rule.exposedHeaders } : {}),
    ...(rule.maxAge !== undefined ? { MaxAgeSeconds: rule.maxAge } : {}),
  };
}

/** Properties of {@link BucketCors}. */
export interface BucketCorsProps {
  /** A bucket created in another stack without a `cors` property (this construct owns its CORS configuration). */
  readonly bucket: s3.IBucket;
  readonly rules: s3.CorsRule[];
  readonly logRetention: logs.RetentionDays;
}

/**
 * Writes a bucket's CORS configuration from a stack that knows values its own stack cannot: the recordings bucket
 * is created before the CloudFront distribution (the page's CSP names the bucket), so only the Web stack knows the
 * distribution's origin. A PutBucketCors call allowed on that one bucket, re-run whenever the rules change.
 *
 * Nothing is done on delete: when the custom resource goes away because a custom domain was configured, the
 * bucket's own stack has already written its rule, and deleting here would erase it.
 */
export class BucketCors extends Construct {
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: BucketCorsProps) {
    super(scope, id);
    const call: cr.AwsSdkCall = {
      service: 'S3',
      action: 'PutBucketCors',
      parameters: {
        Bucket: props.bucket.bucketName,
        CORSConfiguration: { CORSRules: props.rules.map(toApiRule) },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`${props.bucket.bucketName}-cors`),
    };
    this.resource = new cr.AwsCustomResource(this, 'PutBucketCors', {
      onCreate: call,
      onUpdate: call,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['s3:PutBucketCORS'], resources: [props.bucket.bucketArn] }),
      ]),
      // The Lambda runtime's SDK has PutBucketCors; downloading another one at deploy adds time and a failure mode.
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention }),
    });
  }
}
