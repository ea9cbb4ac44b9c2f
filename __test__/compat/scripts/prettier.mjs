import * as prettier from "prettier";
console.log(await prettier.format("const x = {a:1,b:[1,2,3]}; function f(a,b){return a+b}", { parser: "babel" }));
console.log(await prettier.format("type T = {a:string,b?:number}; let y:T = {a:'x'}", { parser: "typescript", semi: false, singleQuote: true }));
console.log(await prettier.format("a{color:red;margin:0 auto}", { parser: "css" }));
console.log(await prettier.format('{"a":1,"b":[true,null]}', { parser: "json" }));
