import mime from "mime";
console.log(mime.getType("page.html"), mime.getType("data.json"), mime.getType("x/y/z.PNG"), mime.getType("weird.unknownext"));
console.log(mime.getExtension("text/css"), mime.getExtension("application/javascript"), [...mime.getAllExtensions("image/jpeg")].join(","));
