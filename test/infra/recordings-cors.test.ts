import { Match } from 'aws-cdk-lib/assertions';
import { rendered } from './support/cfn-text';
import { synthesizeApp, type SynthesizedApp } from './support/synth-app';

// The default configuration (no custom domain, no extra origins) is covered in app.test.ts.

describe('recordings bucket CORS with a custom domain', () => {
  let built: SynthesizedApp;
  beforeAll(() => {
    // GIVEN a custom domain and one extra page origin
    built = synthesizeApp({
      domainName: 'meet.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f2c1a7e-1111-2222-3333-444455556666',
      allowedOrigins: ['https://partner.example.org'],
    });
  });

  test("THEN the bucket's own stack names the custom domain and the extra origin, as before", () => {
    built.template('data').hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'recordings/' }),
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedOrigins: ['https://meet.example.com', 'https://partner.example.org'],
            AllowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
            ExposedHeaders: ['ETag'],
          }),
        ],
      },
    });
  });

  test("THEN the Web stack writes no CORS rule of its own (it would fight the bucket's stack)", () => {
    expect(JSON.stringify(built.template('web').findResources('Custom::AWS'))).not.toContain('PutBucketCors');
  });
});

describe('recordings bucket CORS with extra origins but no custom domain', () => {
  let built: SynthesizedApp;
  beforeAll(() => {
    // GIVEN only an extra page origin
    built = synthesizeApp({ allowedOrigins: ['https://partner.example.org'] });
  });

  test('THEN the Web stack allows the CloudFront origin first, then the extra one, and the bucket has no rule', () => {
    const web = built.template('web');
    const distribution = Object.keys(web.findResources('AWS::CloudFront::Distribution'))[0]!;
    const create = rendered(Object.values(web.findResources('Custom::AWS'))[0]?.Properties.Create);
    expect(create).toContain(`"AllowedOrigins":["https://<${distribution}.DomainName>","https://partner.example.org"]`);
    built.template('data').hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'recordings/' }),
      CorsConfiguration: Match.absent(),
    });
  });
});
