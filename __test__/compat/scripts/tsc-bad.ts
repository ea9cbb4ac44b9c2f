const n: number = "not a number";
function f(s: string) { return s.toFixed(2); }
f(42);
