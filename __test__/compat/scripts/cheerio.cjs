const cheerio = require("cheerio");
const $ = cheerio.load('<ul id="fruits"><li class="apple">Apple</li><li class="orange">Orange</li><li class="pear">Pear</li></ul>');
console.log($(".apple", "#fruits").text(), $("ul .pear").attr("class"), $("li").length);
$("li.orange").addClass("ripe").text("Tangerine");
console.log($.html("#fruits"));
console.log(JSON.stringify($("li").map((i, el) => $(el).text()).get()));
