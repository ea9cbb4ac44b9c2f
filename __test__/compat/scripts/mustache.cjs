const Mustache = require("mustache");
console.log(Mustache.render("Hello {{name}}! {{#items}}[{{.}}]{{/items}}{{^none}} none{{/none}} {{&raw}} {{esc}} {{>p}}", { name: "vm", items: [1, 2], raw: "<b>", esc: "<i>" }, { p: "partial {{name}}" }));
