// CommonJS loading ES modules: require(esm) (Node 20.19+/22.12+) and dynamic import().
const mime = require("mime");
console.log(Object.keys(mime).sort().join(","), mime.default.getType("a.css"));
try { require("date-fns/locale/fr/_lib/localize.js"); } catch (e) { console.log(e.code); }
try { require("no-such-package"); } catch (e) { console.log(e.code, e.message.split("\n")[0]); }
console.log(require("date-fns/locale").fr.code, require("date-fns/locale/de").de.code);
const pkg = require("semver/package.json");
console.log(pkg.name, typeof require("yaml").parse, require.resolve("marked").split("node_modules/")[1]);
import("marked").then(({ marked }) => console.log(marked.parseInline("**b**")));
import("lodash").then((m) => console.log(typeof m.default.chunk, Object.keys(m).includes("chunk")));
