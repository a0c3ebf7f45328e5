import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { logger } from '../shared/logger';
import { getSql } from '../shared/sql/sql';
import { runMigrations } from './migrate';

const PHYSICAL_ID = 'schema-migrations';

/**
 * The Migrate custom resource (CDK Provider framework, onEvent): runs pending migrations on Create and Update
 * (every deploy changes a property, so every deploy runs it). Delete keeps the data: dropping a schema is never
 * a side effect of removing a stack. A failure throws, which fails the deployment and rolls it back.
 */
export async function handler(event: CloudFormationCustomResourceEvent) {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const report = await runMigrations(getSql());
  logger.info('migrations done', { ...report });
  return {
    PhysicalResourceId: PHYSICAL_ID,
    Data: {
      applied: report.applied.join(','),
      latest: [...report.alreadyApplied, ...report.applied].sort().at(-1) ?? '',
    },
  };
}
