import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { MAIL_FROM_ENV, SES_CONFIGURATION_SET_ENV } from '../../functions/auth/mailer';
import { mailFromHeader, type Config } from '../config';

export interface AccountMailProps {
  readonly mail: NonNullable<Config['mail']>;
}

/**
 * What the account mails (sign-up and reset links) need in SES: the sending domain as an identity (Easy DKIM; the
 * three CNAME records are published by whoever owns the DNS zone, docs/deployment.md), and a configuration set whose
 * bounces and complaints put the address on the account-level suppression list, so a mistyped or hostile address
 * is not mailed again and the account's reputation stays out of SES's review thresholds.
 */
export class AccountMail extends Construct {
  public readonly identity: ses.EmailIdentity;
  public readonly configurationSet: ses.ConfigurationSet;
  private readonly fromAddress: string;
  private readonly fromHeader: string;

  constructor(scope: Construct, id: string, props: AccountMailProps) {
    super(scope, id);
    this.fromAddress = props.mail.fromAddress;
    this.fromHeader = mailFromHeader(props.mail);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: ses.Identity.domain(props.mail.domain),
      configurationSet: this.configurationSet,
    });
  }

  /** The variables functions/auth/mailer.ts reads. */
  get environment(): Record<string, string> {
    return {
      [MAIL_FROM_ENV]: this.fromHeader,
      [SES_CONFIGURATION_SET_ENV]: this.configurationSet.configurationSetName,
    };
  }

  /**
   * ses:SendEmail only, only through this identity and configuration set, only from the configured address:
   * a compromised function cannot send as anyone else or bypass the suppression settings.
   */
  grantSend(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          this.identity.emailIdentityArn,
          stack.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: this.configurationSet.configurationSetName,
          }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
      }),
    );
  }
}
