const jwt = require("jsonwebtoken");
const token = jwt.sign({ sub: "u1", role: "admin", iat: 1600000000 }, "s3cret", { algorithm: "HS256", expiresIn: "1h" });
console.log(token);
console.log(JSON.stringify(jwt.verify(token, "s3cret", { clockTimestamp: 1600000100 })));
try { jwt.verify(token, "wrong", { clockTimestamp: 1600000100 }); } catch (e) { console.log(e.name, e.message); }
try { jwt.verify(token, "s3cret", { clockTimestamp: 1600009999 }); } catch (e) { console.log(e.name, e.message); }
console.log(JSON.stringify(jwt.decode(token, { complete: true }).header));
