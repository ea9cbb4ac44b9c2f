const { produce, enableMapSet } = require("immer");
enableMapSet();
const base = { todos: [{ id: 1, done: false }, { id: 2, done: false }], m: new Map([["k", 1]]) };
const next = produce(base, (d) => { d.todos[0].done = true; d.todos.push({ id: 3, done: false }); d.m.set("k", 2); });
console.log(JSON.stringify(next.todos), next.m.get("k"), base.todos[0].done, next.todos[1] === base.todos[1], Object.isFrozen(next));
