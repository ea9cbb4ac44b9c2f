const bcrypt = require("bcryptjs");
const salt = "$2a$04$abcdefghijklmnopqrstuu";
const hash = bcrypt.hashSync("p4ssw0rd", salt);
console.log(hash, bcrypt.compareSync("p4ssw0rd", hash), bcrypt.compareSync("nope", hash), bcrypt.getRounds(hash));
bcrypt.hash("other", 4).then((h) => bcrypt.compare("other", h)).then((ok) => console.log("async", ok));
