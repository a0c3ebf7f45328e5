import type { Template } from 'aws-cdk-lib/assertions';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** Every action a role's policies grant, with the resources (as the template writes them), flattened. */
export function statementsOfRole(
  template: Template,
  roleLogicalId: string,
): { actions: string[]; resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(
      (p) =>
        (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
    )
    .map((s) => ({ actions: ([] as string[]).concat(s.Action), resource: s.Resource }));
}
