const Handlebars = require("handlebars");
Handlebars.registerHelper("upper", (s) => String(s).toUpperCase());
const t = Handlebars.compile("Hi {{upper name}}!{{#each items}}\n- {{@index}}: {{this}}{{/each}}\n{{#if admin}}admin{{else}}user{{/if}} {{{raw}}} {{esc}}");
console.log(t({ name: "ada", items: ["a", "b"], admin: false, raw: "<b>", esc: "<i>" }));
console.log(Handlebars.precompile("{{x}}").length > 100);
