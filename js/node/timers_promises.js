// `timers/promises`: implemented beside the timers (./internal/timers.js), which also expose
// it as `require("timers").promises`.
import { promises } from "./internal/timers.js";
import { fixNames } from "./internal/names.js";
export default fixNames(promises);
