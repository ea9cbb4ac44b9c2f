// Errors shared by several builtins.

/// Node's AbortError (timers/promises, events.once/on, readline...): code 'ABORT_ERR'.
export class AbortError extends Error {
  constructor(message = "The operation was aborted", options = undefined) {
    super(message, options);
    this.code = "ABORT_ERR";
    this.name = "AbortError";
  }
}
