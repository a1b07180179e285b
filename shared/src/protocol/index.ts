/**
 * Protocol v1 of the emostream streaming service: message types and constants, error and close
 * codes, runtime validation, and the summary definition. `docs/protocol.md` is the prose version.
 */
export * from './codes.ts';
export * from './messages.ts';
export * from './schemas.ts';
export * from './summary.ts';
export * from './validate.ts';
