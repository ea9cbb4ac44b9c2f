// ES modules importing CommonJS packages: default export plus the names Node's lexer finds.
import { satisfies, SemVer } from "semver";
import semverDefault from "semver";
import { render } from "ejs";
import { of, map, firstValueFrom } from "rxjs";
import { version as tsVersion, transpile } from "typescript";
import _ from "lodash";
import { parse as yamlParse } from "yaml";
import Handlebars from "handlebars";
import Ajv from "ajv";
import { program } from "commander";
import minimist from "minimist";
import { createRequire } from "node:module";

console.log(satisfies("1.2.3", "^1"), new SemVer("1.2.3").minor, typeof semverDefault.parse);
console.log(render("<%= a %>", { a: 1 }), await firstValueFrom(of(2).pipe(map((x) => x * 2))));
console.log(tsVersion.split(".")[0], transpile("let x: number = 1").trim(), _.kebabCase("aB"), JSON.stringify(yamlParse("a: [1]")));
console.log(Handlebars.compile("{{x}}")({ x: "hb" }), typeof new Ajv().compile, typeof program.parse, JSON.stringify(minimist(["-a"])));
const require = createRequire(import.meta.url);
console.log(require("ms")("1m"), require.resolve("semver").split("node_modules/")[1]);
