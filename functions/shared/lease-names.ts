/*
 * Lease names and their item keys, in a module without SDK imports: the CDK stacks scope each function's
 * dynamodb:PutItem to the one lease item it may take (dynamodb:LeadingKeys), from this same table of names.
 */

/** The partition key of a lease's item in the connection table (docs/contracts.md). */
export const leaseKey = (name: string): string => `LEASE#${name}`;

/** Every lease in the system, by its holder. */
export const LEASES = {
  /** One fleet-scaling run at a time (functions/recordings/scaler.ts). */
  scaler: 'scaler',
} as const;
