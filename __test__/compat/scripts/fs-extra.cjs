const fse = require("fs-extra");
const path = require("path");
const root = path.join(process.cwd(), "fsx");
(async () => {
  await fse.remove(root);
  await fse.outputJson(path.join(root, "a/b/data.json"), { k: [1, 2] }, { spaces: 1 });
  await fse.outputFile(path.join(root, "a/c.txt"), "hello");
  await fse.copy(path.join(root, "a"), path.join(root, "copy"));
  fse.ensureDirSync(path.join(root, "empty/deep"));
  await fse.move(path.join(root, "copy/c.txt"), path.join(root, "moved.txt"));
  console.log(JSON.stringify(await fse.readJson(path.join(root, "copy/b/data.json"))), await fse.pathExists(path.join(root, "copy/c.txt")));
  console.log(fse.readFileSync(path.join(root, "moved.txt"), "utf8"), (await fse.readdir(root)).sort().join(","));
  await fse.emptyDir(path.join(root, "a"));
  console.log((await fse.readdir(path.join(root, "a"))).length);
})().catch((e) => { console.error(e); process.exit(1); });
