const { LRUCache } = require("lru-cache");
const c = new LRUCache({ max: 2 });
c.set("a", 1); c.set("b", 2); c.get("a"); c.set("c", 3);
console.log(c.has("a"), c.has("b"), c.has("c"), c.size, JSON.stringify([...c.keys()]));
const t = new LRUCache({ max: 10, ttl: 1000, ttlAutopurge: false });
t.set("x", "y");
console.log(t.get("x"), t.getRemainingTTL("x") > 0);
