import {
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';

/** Keeps the scaler from terminating this instance while it transcribes (scale-in would kill the job). */
export interface InstanceProtection {
  setBusy(busy: boolean): Promise<void>;
}

export const noProtection: InstanceProtection = { setBusy: async () => {} };

const IMDS = 'http://169.254.169.254/latest';

/** IMDSv2: a token first, then the instance id. Off EC2 the link-local address does not answer within the timeout. */
export async function ec2InstanceId(timeoutMs = 500): Promise<string | null> {
  try {
    const token = await fetch(`${IMDS}/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!token.ok) return null;
    const id = await fetch(`${IMDS}/meta-data/instance-id`, {
      headers: { 'x-aws-ec2-metadata-token': await token.text() },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return id.ok ? (await id.text()).trim() : null;
  } catch {
    return null;
  }
}

export class AsgInstanceProtection implements InstanceProtection {
  private current: boolean | null = null;

  constructor(
    private readonly client: AutoScalingClient,
    private readonly instanceId: string,
    private readonly groupName: string,
  ) {}

  async setBusy(busy: boolean): Promise<void> {
    if (this.current === busy) return;
    await this.client.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: this.groupName,
        InstanceIds: [this.instanceId],
        ProtectedFromScaleIn: busy,
      }),
    );
    this.current = busy;
  }
}

/** Protection for this instance when it runs in an Auto Scaling group; a no-op anywhere else (laptop, CI). */
export async function detectInstanceProtection(client: AutoScalingClient): Promise<InstanceProtection> {
  const instanceId = await ec2InstanceId();
  if (!instanceId) return noProtection;
  const out = await client.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  const group = out.AutoScalingInstances?.[0]?.AutoScalingGroupName;
  return group ? new AsgInstanceProtection(client, instanceId, group) : noProtection;
}
