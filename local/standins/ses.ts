import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import * as z from 'zod';
import { AwsServiceError, readBody, readJsonBody, sendJson, sendRestJsonError } from '../emulators/aws-http';

/** A mail as the local inbox shows it. */
export interface LocalMail {
  id: string;
  at: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Every http(s) URL in the text, in order: what a developer (or a test) clicks. */
  links: string[];
}

/** SES v2 caps a message at 40 MB; the stand-in is stricter (10 MB, SES v1's limit) so nothing passes here only. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** SES: at most 50 recipients per message, To, Cc and Bcc together. */
const MAX_RECIPIENTS = 50;
/** The inbox keeps the newest mails only: it is for reading links, not an archive. */
const KEPT_MAILS = 200;

export const SES_PATH_PREFIX = '/v2/email/';
const SEND_PATH = '/v2/email/outbound-emails';

const content = z.object({ Data: z.string(), Charset: z.string().optional() });
// What SendEmail accepts with Simple content; Raw and Template are not used by the functions, so they are refused
// loudly rather than half-emulated.
const sendEmailSchema = z.object({
  FromEmailAddress: z.string().min(1),
  Destination: z.object({
    ToAddresses: z.array(z.string()).default([]),
    CcAddresses: z.array(z.string()).default([]),
    BccAddresses: z.array(z.string()).default([]),
  }),
  Content: z.object({
    Simple: z.object({
      Subject: content,
      Body: z.object({ Text: content.optional(), Html: content.optional() }),
    }),
  }),
  ConfigurationSetName: z.string().optional(),
});

/** The address inside `Name <address>` or a bare address; undefined when it is neither. */
function addressOf(value: string): string | undefined {
  const match = /^(?:[^<>]*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))$/.exec(value.trim());
  return (match?.[1] ?? match?.[2])?.toLowerCase();
}

/**
 * Amazon SES v2 SendEmail on the laptop, behind the local AWS endpoint (which checks every request's SigV4
 * signature against the stack's own credentials). Like SES in the sandbox it refuses a From address that is not a
 * verified identity (the address itself or its domain), and it enforces SES's size and recipient limits. Sent mails
 * land in a JSON file in the data folder, which the gateway shows at /_local/inbox.
 */
export class SesStandIn {
  private mails: LocalMail[];

  constructor(
    private readonly file: string,
    /** Verified identities: addresses (ada@example.com) or domains (example.com). */
    private readonly identities: string[],
  ) {
    this.mails = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalMail[]) : [];
  }

  /** Newest first. */
  inbox(): LocalMail[] {
    return [...this.mails].reverse();
  }

  isPath(path: string): boolean {
    return path.startsWith(SES_PATH_PREFIX);
  }

  /** Answers one SES v2 request; refusals go back the way SES sends them, so the SDK throws the typed exception. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      await this.send(req, res, path);
    } catch (error) {
      if (!(error instanceof AwsServiceError)) throw error;
      sendRestJsonError(res, error);
    }
  }

  private async send(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path !== SEND_PATH) throw new AwsServiceError('NotFoundException', `No local SES operation at ${path}`, 404);
    const body = await readBody(req);
    if (body.length > MAX_MESSAGE_BYTES) {
      throw new AwsServiceError('MessageRejected', `Message length is more than ${MAX_MESSAGE_BYTES} bytes`);
    }
    const parsed = sendEmailSchema.safeParse(readJsonBody(body));
    if (!parsed.success) {
      throw new AwsServiceError(
        'BadRequestException',
        `SendEmail: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (the local stand-in supports Simple content only)`,
      );
    }
    const request = parsed.data;
    const from = addressOf(request.FromEmailAddress);
    if (!from) throw new AwsServiceError('BadRequestException', 'FromEmailAddress is not an email address');
    if (!this.isVerified(from)) {
      throw new AwsServiceError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region US-EAST-1: ${from}`,
      );
    }
    const { ToAddresses, CcAddresses, BccAddresses } = request.Destination;
    const recipients = [...ToAddresses, ...CcAddresses, ...BccAddresses];
    if (recipients.length === 0) throw new AwsServiceError('BadRequestException', 'Missing final recipients');
    if (recipients.length > MAX_RECIPIENTS) {
      throw new AwsServiceError('MessageRejected', `Recipient count exceeds ${MAX_RECIPIENTS}`);
    }
    const to = recipients.map((r) => addressOf(r));
    if (to.some((r) => r === undefined)) throw new AwsServiceError('BadRequestException', 'Illegal address');
    const { Subject, Body } = request.Content.Simple;
    const text = Body.Text?.Data ?? Body.Html?.Data ?? '';
    const mail: LocalMail = {
      id: randomUUID(),
      at: new Date().toISOString(),
      from: request.FromEmailAddress,
      to: to as string[],
      subject: Subject.Data,
      text,
      links: text.match(/https?:\/\/[^\s<>"]+/g) ?? [],
    };
    this.mails = [...this.mails, mail].slice(-KEPT_MAILS);
    this.save();
    // SES answers with the message id the SDK returns as MessageId.
    sendJson(res, 200, { MessageId: `${mail.id}@local.ses` });
  }

  private isVerified(address: string): boolean {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    return this.identities.some((identity) => {
      const id = identity.toLowerCase();
      return id === address || id === domain;
    });
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.mails));
    renameSync(temporary, this.file);
  }
}
