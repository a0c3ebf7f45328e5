import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/** Properties of {@link MonitoringStack}. */
export interface MonitoringStackProps extends StackProps {
  /**
   * Subscribed to every alarm when set.
   * @default - no subscription (alarms are visible in the console only)
   */
  readonly alarmEmail?: string;
}

/** The alarm topic every other stack sends to. Separate so alarms outlive redeploys of the stacks they watch. */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    // CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key (its policy cannot be
    // edited to admit cloudwatch.amazonaws.com), so the topic gets its own key.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the Connect Now alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Connect Now alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
  }
}
