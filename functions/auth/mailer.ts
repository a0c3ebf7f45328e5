import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ses } from '../shared/aws-clients';
import { optionalEnv, requireEnv } from '../shared/env';

/** One plain-text mail. Text only: nothing a mail client renders can carry markup we did not mean. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Environment of the functions that send mail (docs/contracts.md); lib/config.ts types the deployment's values. */
export const MAIL_FROM_ENV = 'MAIL_FROM';
export const SES_CONFIGURATION_SET_ENV = 'SES_CONFIGURATION_SET';

/**
 * Amazon SES v2 SendEmail. The configuration set routes bounces and complaints to the account-level suppression
 * list (lib/stacks/mail-stack.ts), so an address that bounced is not mailed again. Locally the same client talks to
 * the SES stand-in through AWS_ENDPOINT_URL_SESV2 (local/standins/ses.ts).
 */
export const sesMailer: Mailer = {
  async send(mail) {
    const configurationSet = optionalEnv(SES_CONFIGURATION_SET_ENV);
    await ses().send(
      new SendEmailCommand({
        FromEmailAddress: requireEnv(MAIL_FROM_ENV),
        Destination: { ToAddresses: [mail.to] },
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
          },
        },
        ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
      }),
    );
  },
};
