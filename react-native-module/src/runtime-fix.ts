/**
 * A fix for the bindings runtime (`uniffi-bindgen-react-native` 0.31.0-5's TypeScript, shared by
 * the N-API and JSI flavours), applied once before any core call.
 *
 * A JS object implementing a foreign trait (our `TokenProvider`) is lowered by putting it in a
 * handle map, but only when it is a call's direct argument (`lower`). Inside a record
 * (`ClientConfig.tokenProvider`) the runtime writes it with `writeIntoCursor`, which only knows
 * Rust-backed objects and throws "Cannot lower this object to a pointer". Writing the handle
 * that `lower` gives makes both paths the same; the Rust side reads a handle either way.
 */
import { FfiConverterObjectWithCallbacks, FfiConverterUInt64 } from '@ubjs/core';

type Cursor = Parameters<typeof FfiConverterUInt64.writeIntoCursor>[1];

const prototype = FfiConverterObjectWithCallbacks.prototype as unknown as {
  lower(value: unknown, alloc: unknown): bigint;
  writeIntoCursor(value: unknown, cursor: Cursor): void;
};

prototype.writeIntoCursor = function writeIntoCursor(value: unknown, cursor: Cursor): void {
  // `lower` ignores its allocator for objects: a handle is a number, not a buffer.
  FfiConverterUInt64.writeIntoCursor(this.lower(value, undefined), cursor);
};
