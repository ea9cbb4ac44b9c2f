const { XMLParser, XMLBuilder, XMLValidator } = require("fast-xml-parser");
const xml = '<?xml version="1.0"?><catalog><book id="b1" lang="en"><title>Dune</title><price>9.99</price></book><book id="b2"><title>Emma &amp; co</title><price>5</price></book></catalog>';
const obj = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xml);
console.log(JSON.stringify(obj));
console.log(new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@", format: true }).build({ root: { item: [{ "@n": 1, "#text": "a" }, { "@n": 2, "#text": "b" }] } }));
console.log(XMLValidator.validate("<a><b></a>") === true, XMLValidator.validate(xml));
