export interface PolicyDecision {
  effect: 'allow' | 'deny' | 'invalid';
  reason?: string;
  principalId?: string;
  context?: Record<string, unknown>;
}

/**
 * Reads the authorizer's IAM policy as API Gateway does: an explicit Deny on the route wins, an Allow is needed,
 * and context values may only be strings, numbers or booleans.
 */
export function evaluatePolicy(result: unknown, methodArn: string): PolicyDecision {
  if (typeof result !== 'object' || result === null) return { effect: 'invalid', reason: 'not an object' };
  const r = result as { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: unknown };
  if (typeof r.principalId !== 'string') return { effect: 'invalid', reason: 'principalId missing' };
  const statements = Array.isArray(r.policyDocument?.Statement) ? (r.policyDocument.Statement as unknown[]) : undefined;
  if (!statements) return { effect: 'invalid', reason: 'policyDocument.Statement missing' };
  const context: Record<string, unknown> = {};
  if (r.context !== undefined) {
    if (typeof r.context !== 'object' || r.context === null)
      return { effect: 'invalid', reason: 'context not an object' };
    for (const [key, value] of Object.entries(r.context)) {
      if (value === null || value === undefined) continue;
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return { effect: 'invalid', reason: `context.${key} is not a string, number or boolean` };
      }
      context[key] = value;
    }
  }
  let allowed = false;
  for (const s of statements) {
    const statement = s as { Effect?: string; Action?: string | string[]; Resource?: string | string[] };
    const actions = ([] as string[]).concat(statement.Action ?? []);
    const resources = ([] as string[]).concat(statement.Resource ?? []);
    if (!actions.some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*')) continue;
    if (!resources.some((pattern) => arnMatches(pattern, methodArn))) continue;
    if (statement.Effect === 'Deny') return { effect: 'deny', principalId: r.principalId };
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed
    ? { effect: 'allow', principalId: r.principalId, context }
    : { effect: 'deny', principalId: r.principalId };
}

function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*').replace(/\\\?/g, '.')}$`);
  return regex.test(arn);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
