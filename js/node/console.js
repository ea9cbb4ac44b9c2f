// `console`: the global console itself (with .Console), as in Node.
import { globalConsole } from "./internal/console.js";
export default globalConsole;
