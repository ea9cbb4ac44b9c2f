const winston = require("winston");
const { combine, printf, label, splat } = winston.format;
const logger = winston.createLogger({
  level: "debug",
  format: combine(label({ label: "app" }), splat(), printf((i) => `[${i.label}] ${i.level}: ${i.message}${i.extra ? " " + JSON.stringify(i.extra) : ""}`)),
  transports: [new winston.transports.Console({ forceConsole: true })],
});
// Console transport writes to stdout through console._stdout / process.stdout.
logger.info("hello %s", "world");
logger.debug("details", { extra: { a: 1 } });
logger.silly("hidden");
const json = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: process.stdout })] });
json.warn("as json", { k: "v" });
