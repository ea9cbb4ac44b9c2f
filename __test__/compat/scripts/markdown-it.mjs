import MarkdownIt from "markdown-it";
const md = new MarkdownIt({ linkify: true, typographer: true });
console.log(md.render("# Title\n\nSome *text* -- with \"quotes\" and https://example.com\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n1. one\n2. two\n"));
console.log(md.renderInline("__bold__ `code`"));
