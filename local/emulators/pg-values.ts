import type { PgField } from '../standins/pg-backend';

// PostgreSQL type OIDs (pg_type.oid) that the Data API shapes specially.
const BOOL = 16;
const BYTEA = 17;
const INTEGERS = new Set([20, 21, 23, 26]); // int8, int2, int4, oid
const FLOATS = new Set([700, 701]);
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;
const TIMETZ = 1266;
const BOOL_ARRAY = 1000;
const INTEGER_ARRAYS = new Set([1005, 1007, 1016]);
const FLOAT_ARRAYS = new Set([1021, 1022]);
const TEXT_ARRAYS = new Set([1009, 1015, 1014, 2951]); // text[], varchar[], bpchar[], uuid[]

export type JsonValue = string | number | boolean | null | JsonValue[];

/**
 * One column value as the Data API's JSON record format shows it: integers and floats as numbers, booleans as
 * booleans, numeric as a string (decimalReturnType STRING, the default), timestamps as
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC without an offset, json/jsonb/uuid/dates as strings, bytea as base64,
 * one-dimensional arrays as JSON arrays.
 */
export function jsonValue(text: string | null, field: PgField): JsonValue {
  if (text === null) return null;
  const oid = field.dataTypeID;
  if (oid === BOOL) return text === 't' || text === 'true';
  if (INTEGERS.has(oid)) return Number(text);
  if (FLOATS.has(oid)) return finiteOrText(text);
  if (oid === NUMERIC) return text;
  if (oid === TIMESTAMPTZ || oid === TIMETZ) return stripUtcOffset(text);
  if (oid === BYTEA) return Buffer.from(text.slice(2), 'hex').toString('base64');
  if (oid === BOOL_ARRAY) return parseArray(text).map((v) => (v === null ? null : v === 't'));
  if (INTEGER_ARRAYS.has(oid)) return parseArray(text).map((v) => (v === null ? null : Number(v)));
  if (FLOAT_ARRAYS.has(oid)) return parseArray(text).map((v) => (v === null ? null : finiteOrText(v)));
  if (TEXT_ARRAYS.has(oid)) return parseArray(text);
  return text;
}

/** The typed `Field` union of the Data API's default (non-JSON) record format. */
export function fieldValue(text: string | null, field: PgField): Record<string, unknown> {
  const value = jsonValue(text, field);
  if (value === null) return { isNull: true };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number') return INTEGERS.has(field.dataTypeID) ? { longValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: arrayField(value) };
  if (field.dataTypeID === BYTEA) return { blobValue: value };
  return { stringValue: value };
}

function arrayField(values: JsonValue[]): Record<string, unknown> {
  if (values.every((v) => typeof v === 'boolean')) return { booleanValues: values };
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return { longValues: values };
  if (values.every((v) => typeof v === 'number')) return { doubleValues: values };
  return { stringValues: values.map((v) => (v === null ? null : String(v))) };
}

function finiteOrText(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** Sessions run with TimeZone=UTC, so the offset is always +00; the Data API omits it. */
function stripUtcOffset(text: string): string {
  return text.replace(/\+00(:00)?$/, '');
}

/** Parses a one-dimensional PostgreSQL array literal ({a,"b c",NULL}). */
export function parseArray(text: string): (string | null)[] {
  const body = text.replace(/^\[[^\]]*\]=/, '').slice(1, -1);
  const out: (string | null)[] = [];
  if (body === '') return out;
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i];
        i++;
      }
      out.push(value);
      i += 2; // closing quote and comma
    } else {
      const end = body.indexOf(',', i);
      const raw = body.slice(i, end === -1 ? body.length : end);
      out.push(raw === 'NULL' ? null : raw);
      i = end === -1 ? body.length + 1 : end + 1;
    }
  }
  return out;
}

/**
 * A column value's size as the database returns it (what the Data API's 64 KB-per-row and 1 MiB-per-result limits
 * count): bytea by its bytes (PostgreSQL's text form is hex, twice as long), everything else by its UTF-8 text.
 */
export function valueBytes(text: string | null, field: PgField): number {
  if (text === null) return 0;
  if (field.dataTypeID === BYTEA && text.startsWith('\\x')) return (text.length - 2) / 2;
  return Buffer.byteLength(text);
}
