const Diff = require("diff");
console.log(Diff.createTwoFilesPatch("a.txt", "b.txt", "one\ntwo\nthree\n", "one\n2\nthree\nfour\n", "", "", { context: 1 }));
console.log(JSON.stringify(Diff.diffWords("the quick fox", "the slow fox").map((p) => [p.added ? "+" : p.removed ? "-" : "=", p.value])));
console.log(Diff.applyPatch("one\ntwo\n", Diff.createPatch("f", "one\ntwo\n", "one\nTWO\n")));
