import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultApp } from './support/synth-app';

/*
 * cfn-lint (AWS's CloudFormation linter: resource specs, value ranges, regional availability) over every template the
 * app synthesizes. CloudFormation itself only finds these at deploy time, stack by stack. Zero errors; warnings only
 * where listed here with the reason.
 */

/** Rule ids ignored, each with why. */
const IGNORED_RULES: Record<string, string> = {
  W3005:
    'aws-cdk-lib adds DependsOn from a function to its service role (and its default policy) on purpose, so the ' +
    'policy exists before the first invocation; cfn-lint sees the GetAtt on the role and calls the DependsOn redundant.',
};

interface Finding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

function cfnLintVersion(): string {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('cfn-lint is not installed: `pip install cfn-lint` (CI installs it in .github/workflows/ci.yml)');
  }
  return probe.stdout.trim();
}

test('every synthesized template passes cfn-lint with no errors and no unlisted warnings', () => {
  expect(cfnLintVersion()).toMatch(/^cfn-lint \d+\./);
  const outdir = defaultApp().app.outdir;
  const templates = readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => join(outdir, f));
  expect(templates.length).toBeGreaterThanOrEqual(7);
  let output: string;
  try {
    output = execFileSync(
      'cfn-lint',
      ['--format', 'json', '--ignore-checks', ...Object.keys(IGNORED_RULES), '--', ...templates],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    // cfn-lint exits non-zero whenever it reports anything; its JSON is still on stdout.
    output = (error as { stdout?: string }).stdout ?? '';
    if (!output.trim()) throw error;
  }
  const findings = JSON.parse(output || '[]') as Finding[];
  const readable = findings.map(
    (f) => `${f.Level} ${f.Rule.Id} ${f.Filename.split('/').pop()} ${f.Location.Path.join('/')}: ${f.Message}`,
  );
  expect(readable).toEqual([]);
}, 180_000);
