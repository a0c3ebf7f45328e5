/**
 * A CloudFormation string value rendered with readable stand-ins for its tokens: `Fn::Join` parts concatenated,
 * `{"Fn::GetAtt":["Distribution830FAC52","DomainName"]}` → `<Distribution830FAC52.DomainName>`, `Ref` → `<Id>`.
 */
export function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(rendered).join(sep);
  }
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if (v.Ref) return `<${v.Ref as string}>`;
  if (v['Fn::GetStackOutput']) return `<output:${(v['Fn::GetStackOutput'] as { OutputName: string }).OutputName}>`;
  return JSON.stringify(value);
}
