import { marked } from "marked";
console.log(marked.parse("# Title\n\nSome *emphasis* and `code` and [a link](https://example.com).\n\n- one\n- two\n\n```js\nlet x = 1;\n```\n"));
