import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of {@link FunctionAlarms}. */
export interface FunctionAlarmsProps {
  /** The function to watch. */
  readonly function: lambda.IFunction;
  /** Where alarms are sent. */
  readonly topic: sns.ITopic;
  /**
   * Errors in one 5-minute period that raise the alarm.
   * @default 1
   */
  readonly errorThreshold?: number;
}

/**
 * Errors and throttles alarms for one function. Any error is worth a look (handlers never swallow errors, so an
 * error means a user saw a failure or a message went to a DLQ); any throttle means the concurrency cap is too low.
 */
export class FunctionAlarms extends Construct {
  public readonly errors: cloudwatch.Alarm;
  public readonly throttles: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FunctionAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    this.errors = props.function.metricErrors({ period, statistic: 'Sum' }).createAlarm(this, 'Errors', {
      alarmDescription: `${props.function.node.path}: invocations failed`,
      threshold: props.errorThreshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.throttles = props.function.metricThrottles({ period, statistic: 'Sum' }).createAlarm(this, 'Throttles', {
      alarmDescription: `${props.function.node.path}: invocations throttled`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.errors, this.throttles]) alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}

/** Properties of {@link QueueAlarms}. */
export interface QueueAlarmsProps {
  /** The work queue; its oldest message's age is watched. */
  readonly queue: sqs.IQueue;
  /** Its dead-letter queue; any message there is a job that failed maxReceiveCount times. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Where alarms are sent. */
  readonly topic: sns.ITopic;
  /** Age of the oldest message that means jobs are stuck (no consumer, or consumers failing). */
  readonly maxAge: Duration;
}

/** DLQ depth and queue age alarms for one queue pair. */
export class QueueAlarms extends Construct {
  public readonly deadLetters: cloudwatch.Alarm;
  public readonly age: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);
    this.deadLetters = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'DeadLetters', {
        alarmDescription: `${props.queue.node.path}: jobs failed repeatedly and wait in the DLQ`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.age = props.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'Age', {
        alarmDescription: `${props.queue.node.path}: oldest job older than ${props.maxAge.toHumanString()}`,
        threshold: props.maxAge.toSeconds(),
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const alarm of [this.deadLetters, this.age]) alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}
