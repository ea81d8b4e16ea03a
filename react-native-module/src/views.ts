/** A JSON value, as views and entities hold them. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** One condition on an entity (the core's `Filter`): paths are JSON pointers. */
export type ViewFilter =
  | { readonly op: 'eq'; readonly path: string; readonly value: Json }
  | { readonly op: 'in'; readonly path: string; readonly values: readonly Json[] }
  | { readonly op: 'exists'; readonly path: string; readonly exists: boolean };

export interface ViewSort {
  readonly path: string;
  readonly descending?: boolean;
}

/**
 * A list the core keeps up to date (the core's `ListView`): the entities of `kind` matching
 * every filter, sorted, at most `limit`. The core filters, sorts and merges; this package only
 * passes the view along.
 */
export interface ListView {
  readonly kind: string;
  readonly filter?: readonly ViewFilter[];
  readonly sort?: readonly ViewSort[];
  readonly limit?: number;
}

/** JSON with object keys sorted, so two equal views written in different orders (or rebuilt
 *  on every render) name one store. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The view as the JSON the core reads; equal views give equal text. */
export function viewJson(view: ListView): string {
  return canonical(view);
}
