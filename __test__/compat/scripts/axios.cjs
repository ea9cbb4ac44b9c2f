const axios = require("axios");
// A custom adapter answers instead of the network.
const api = axios.create({
  baseURL: "https://api.example.com/v1",
  headers: { "X-Token": "abc" },
  adapter: async (config) => ({
    data: JSON.stringify({ url: config.url, full: axios.getUri(config), method: config.method, token: config.headers["X-Token"], body: config.data }),
    status: 200, statusText: "OK", headers: { "content-type": "application/json" }, config, request: {},
  }),
});
api.interceptors.request.use((c) => { c.headers["X-Trace"] = "1"; return c; });
api.post("/items", { name: "x" }, { params: { q: "a b" } }).then((r) => console.log(r.status, JSON.stringify(r.data)));
api.get("/fail", { adapter: async (config) => { const e = new axios.AxiosError("nope", "ERR_BAD_RESPONSE", config); throw e; } }).catch((e) => console.log(e.name, e.code, axios.isAxiosError(e)));
