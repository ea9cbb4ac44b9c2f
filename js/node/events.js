// `events`: the `events` npm package (Node's EventEmitter for other runtimes) plus Node's helpers.
import EventEmitter from "events/";
export default EventEmitter;
