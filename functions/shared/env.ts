import { ConfigError } from './errors';

/** Reads a variable the deployment must set; the error names it so a misconfigured stack is obvious in the logs. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`Environment variable ${name} is not set (CDK sets it in AWS; local/ sets it for npm start)`);
  }
  return value;
}

export function optionalEnv(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function intEnv(name: string, fallback: number): number {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new ConfigError(`Environment variable ${name} must be an integer, got "${raw}"`);
  return value;
}
