export { process } from "./process.js";
