// Web globals: EventTarget, Event, AbortController, AbortSignal, Blob, URL... (to be written)
export function install(g) {}
