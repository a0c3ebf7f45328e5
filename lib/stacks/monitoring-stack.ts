import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/** The role EC2 Auto Scaling acts as (notifications, launches with encrypted volumes); AWS creates it on first use. */
export function autoScalingServiceLinkedRoleArn(stack: Stack): string {
  return stack.formatArn({
    service: 'iam',
    region: '',
    resource: 'role',
    resourceName: 'aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling',
  });
}

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
    // The Auto Scaling service-linked role publishes the fleet's launch errors to the topic, so it must use the key.
    // It may not exist yet in a fresh account (it is created with the first group), and a key policy naming a
    // missing role is refused: the account is the principal, narrowed to that role's ARN by a condition.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.AccountPrincipal(this.account)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': autoScalingServiceLinkedRoleArn(this) } },
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Connect Now alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, and a topic with a policy admits only whom it names: without this statement
    // the policy only denies, and CloudWatch alarms could not publish.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
  }
}
