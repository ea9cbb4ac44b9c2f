// Imported first by bootstrap.js: the web globals that bundled npm packages use at their top
// level (whatwg-url makes a TextEncoder when it loads) must exist before those modules run.
import { install } from "./globals.js";

install(globalThis);
