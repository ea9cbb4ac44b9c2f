const fs = require("fs");
const ejs = require("ejs");
console.log(ejs.render("<ul><% items.forEach(function(i){ %><li><%= i %></li><% }) %></ul> <%- raw %>", { items: ["a", "<b>"], raw: "<hr>" }));
fs.writeFileSync("ejs-part.ejs", "[part <%= x %>]");
fs.writeFileSync("ejs-main.ejs", "main <%- include('ejs-part', { x: 7 }) %>");
ejs.renderFile("ejs-main.ejs", {}, (err, out) => console.log(err ? "error " + err.message : out));
