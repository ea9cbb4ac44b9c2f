import u from "util/";
import { inspect, format, formatWithOptions } from "node-inspect-extracted";
export default { ...u, inspect, format, formatWithOptions };
